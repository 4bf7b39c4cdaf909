/** Reading what a test app mailed: its memory transport, after the outbox sender has run. */
import { simpleParser, type ParsedMail } from 'mailparser'
import { runtimeOf } from '../../src/http/internal.js'
import type { TestApp } from '../support/app.js'

/** Runs the app's sender now and returns every message sent so far, parsed. */
export async function mailbox(t: TestApp): Promise<ParsedMail[]> {
  const runtime = runtimeOf(t.app)
  await runtime.mail.sender?.runNow()
  return Promise.all(runtime.mail.transport.sent.map((raw) => simpleParser(raw)))
}

export const recipient = (mail: ParsedMail): string => (Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text) ?? ''

/** The first link in a message's text part that starts with `prefix`. */
export function linkIn(mail: ParsedMail, prefix: string): string {
  const found = mail.text?.split(/\s+/).find((word) => word.startsWith(prefix))
  if (!found) throw new Error(`no link starting with ${prefix} in: ${mail.text}`)
  return found
}
