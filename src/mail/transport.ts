import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import type { EmailSettings } from '../config/index.js'

export interface OutgoingMail {
  from: string
  to: string
  subject: string
  text: string
  html: string
  /** Stable per outbox row, so a receiver can tell a resend (after a lost answer) from a new message. */
  messageId: string
}

/** Where messages go. Every kind builds the MIME message with nodemailer, so they all send the same bytes. */
export interface MailTransport {
  readonly kind: EmailSettings['transport']['kind']
  send(mail: OutgoingMail): Promise<void>
  /** SMTP: connects and greets (for readiness); the others have nothing to check. */
  verify(): Promise<void>
  close(): void
  /** `memory`: the raw messages sent, oldest first (tests). */
  readonly sent: string[]
}

/** The error a failed send carries: `responseCode` when the server answered, `code` from nodemailer. */
export interface SendError extends Error {
  responseCode?: number
  code?: string
}

/**
 * A refusal of this message (5xx to its sender, recipients or content) will not change by retrying;
 * anything else (a 4xx, a refused or dropped connection, a timeout, failed authentication) is the
 * server's state and is retried.
 */
export const isPermanent = (error: SendError): boolean =>
  (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && typeof error.responseCode === 'number' && error.responseCode >= 500 && error.responseCode < 600

function smtpTransport(url: string, timeout: number) {
  const parsed = new URL(url)
  const secure = parsed.protocol === 'smtps:'
  return nodemailer.createTransport({
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    // smtp:// upgrades with STARTTLS whenever the server offers it (nodemailer's default); smtps:// is TLS from the start.
    secure,
    ...(parsed.username && { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
  })
}

/** Builds the transport EMAIL_URL names; `print` is where `console` writes (stdout). */
export function createTransport(settings: EmailSettings, print: (text: string) => void = (text) => process.stdout.write(text)): MailTransport {
  const t = settings.transport
  const sent: string[] = []
  if (t.kind === 'smtp') {
    const smtp = smtpTransport(t.url, settings.timeout)
    return {
      kind: 'smtp',
      sent,
      async send(mail) {
        await smtp.sendMail(mail)
      },
      async verify() {
        await smtp.verify()
      },
      close: () => smtp.close(),
    }
  }
  // console, file and memory: nodemailer writes the message into a buffer instead of a socket.
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  if (t.kind === 'file') mkdirSync(t.dir, { recursive: true })
  let count = 0
  return {
    kind: t.kind,
    sent,
    async send(mail) {
      if (t.kind === 'none') throw Object.assign(new Error('no EMAIL_URL is configured'), { code: 'ENOTCONFIGURED' })
      const info = await stream.sendMail(mail)
      const raw = (info.message as Buffer).toString('utf8')
      if (t.kind === 'memory') sent.push(raw)
      else if (t.kind === 'console') print(`${'-'.repeat(72)}\n${raw}\n${'-'.repeat(72)}\n`)
      else writeFileSync(join(t.dir, `${Date.now()}-${process.pid}-${++count}.eml`), raw, { flag: 'wx' })
    },
    verify: async () => {},
    close: () => stream.close(),
  }
}
