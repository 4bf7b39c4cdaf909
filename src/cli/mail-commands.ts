import { parseArgs } from 'node:util'
import { TesseraError } from '../errors.js'
import { createComposer, createTransport } from '../mail/index.js'
import type { Command } from './commands.js'
import { withRuntime } from './settings.js'

/** Django's sendtestemail: one message to each address, straight through EMAIL_URL (not the outbox), so a failure shows here. */
export const sendTestEmailCommand: Command = {
  summary: 'send a test email through EMAIL_URL (Django’s sendtestemail)',
  usage: 'ADDRESS [ADDRESS...]',
  async run(args) {
    const { positionals } = parseArgs({ args, allowPositionals: true, strict: true })
    if (positionals.length === 0 || positionals.some((a) => !/^[^\s@]+@[^\s@]+$/.test(a))) throw new TesseraError('ERR_VALIDATION', 'usage: tessera sendtestemail ADDRESS [ADDRESS...]')
    await withRuntime('none', async ({ config }) => {
      if (config.email.transport.kind === 'none') throw new TesseraError('ERR_MAIL_UNAVAILABLE', 'EMAIL_URL is not set: no mail can be sent')
      const composer = createComposer(config.email, config.accounts)
      const transport = createTransport(config.email)
      try {
        for (const address of positionals) {
          const mail = composer.compose('test', address, null, {})
          try {
            await transport.send({ from: config.email.from, to: address, subject: mail.subject, text: mail.text_body, html: mail.html_body, messageId: `<test-${Date.now()}@tessera>` })
          } catch (error) {
            throw new TesseraError('ERR_MAIL_UNAVAILABLE', `sending to ${address} failed: ${(error as Error).message}`)
          }
          console.log(`Sent a test email to ${address} (${config.email.transport.kind}).`)
        }
      } finally {
        transport.close()
      }
    })
  },
}

/** The outbox at a glance: counts, the queued (or dead) messages, and `--retry ID` for a dead one. */
export const outboxCommand: Command = {
  summary: 'show the mail outbox (queued and dead messages); --retry ID queues a dead one again',
  usage: '[--dead] [--retry ID] [--limit N]',
  async run(args) {
    const { values } = parseArgs({ args, options: { dead: { type: 'boolean' }, retry: { type: 'string' }, limit: { type: 'string' } }, strict: true })
    const limit = values.limit === undefined ? 20 : Number(values.limit)
    if (!Number.isSafeInteger(limit) || limit < 1) throw new TesseraError('ERR_VALIDATION', '--limit must be a positive whole number')
    await withRuntime('none', async ({ store }) => {
      if (values.retry !== undefined) {
        const id = Number(values.retry)
        if (!Number.isSafeInteger(id) || !(await store.retryMail(id, Date.now()))) throw new TesseraError('ERR_NOT_FOUND', `no queued or dead message has id ${values.retry}`)
        console.log(`Message ${id} is queued again; a running server sends it at its next look.`)
        return
      }
      const counts = await store.mailCounts()
      console.log(`queued ${counts.queued}, sent ${counts.sent}, dead ${counts.dead}`)
      for (const m of await store.listMail(values.dead ? 'dead' : 'queued', limit)) {
        const when = m.status === 'queued' ? ` next ${new Date(m.next_attempt_at).toISOString()}` : ''
        console.log(`${m.id}\t${m.status}\t${m.kind}\t${m.to_address}\tattempts ${m.attempts}${when}${m.last_error ? `\t${m.last_error}` : ''}`)
      }
    })
  },
}
