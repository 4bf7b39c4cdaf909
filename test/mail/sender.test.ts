import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, describe, test } from 'node:test'
import type { NewMail } from '../../src/auth/index.js'
import { resolveOptions, type EmailSettings } from '../../src/config/index.js'
import { backoff, createTransport, startMailSender, type MailSender } from '../../src/mail/index.js'
import { openStore, type OpenedStore } from '../../src/store/index.js'
import { closedPort } from '../support/net.js'
import { startSmtp, type TestSmtp } from './smtp-server.js'

const T0 = 1_700_000_000_000
const mail = (to: string): NewMail => ({ to_address: to, user_id: null, kind: 'test', subject: 'Hello Ünïcode', text_body: 'plain part', html_body: '<p>html <b>part</b></p>' })

function settings(url: string, extra: Record<string, string> = {}): EmailSettings {
  return resolveOptions({ tokens: { secretKey: 'x'.repeat(40) }, email: { url, from: 'Tessera <noreply@example.com>', timeout: '500ms', retryDelay: '10s', retryMaxDelay: '1m', maxAttempts: 3, pollInterval: '1h', ...extra } }).email
}

/** The outbox on a real SQLite file, the sender on a clock the test moves; each look is run by hand. */
describe('the outbox sender against a real SMTP server', () => {
  let dir: string
  let opened: OpenedStore
  let clock = T0
  const now = () => clock
  const warnings: string[] = []
  const log = { warn: (m: string) => void warnings.push(m) }
  const senders: MailSender[] = []
  const servers: TestSmtp[] = []
  const start = (s: EmailSettings) => {
    const sender = startMailSender({ store: opened.store, transport: createTransport(s), settings: s, now, log })
    senders.push(sender)
    return sender
  }
  const smtp = async (...args: Parameters<typeof startSmtp>) => {
    const server = await startSmtp(...args)
    servers.push(server)
    return server
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-mail-'))
    opened = await openStore(join(dir, 'db.sqlite3'))
    await opened.migrate()
  })
  beforeEach(async () => {
    for (const sender of senders.splice(0)) await sender.stop()
    for (const server of servers.splice(0)) await server.close()
    await opened.db.deleteFrom('mail_outbox').execute()
    clock = T0
    warnings.length = 0
  })
  after(async () => {
    for (const sender of senders) await sender.stop()
    for (const server of servers) await server.close()
    await opened.store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('an accepting server receives the message once, with its text and HTML parts; the row is sent', async () => {
    const server = await smtp('accept')
    await opened.store.queueMail([mail('alice@example.com')], T0)
    const sender = start(settings(server.url))
    await sender.runNow()
    assert.equal(server.received.length, 1)
    const [received] = server.received
    assert.equal(received?.subject, 'Hello Ünïcode')
    assert.equal(received?.text?.trim(), 'plain part')
    assert.equal(received?.html, '<p>html <b>part</b></p>')
    assert.deepEqual(received?.from?.value.map((a) => [a.name, a.address]), [['Tessera', 'noreply@example.com']])
    assert.deepEqual(await opened.store.mailCounts(), { queued: 0, sent: 1, dead: 0 })
    assert.equal(sender.state, 'ok')
    await sender.runNow()
    assert.equal(server.received.length, 1, 'a sent message is never sent again')
  })

  test('a server that refuses the recipient (550): the message is dead at once, not retried', async () => {
    const server = await smtp('refuse-recipient')
    await opened.store.queueMail([mail('nobody@example.com')], T0)
    await start(settings(server.url)).runNow()
    const [dead] = await opened.store.listMail('dead', 10)
    assert.match(dead!.last_error!, /^550/)
    assert.equal(dead!.attempts, 1)
  })

  test('a busy server (451): retried after the back-off, doubling, then dead after EMAIL_MAX_ATTEMPTS', async () => {
    const server = await smtp('busy')
    const s = settings(server.url)
    await opened.store.queueMail([mail('alice@example.com')], T0)
    const sender = start(s)
    await sender.runNow()
    let [queued] = await opened.store.listMail('queued', 10)
    assert.equal(queued?.next_attempt_at, T0 + 10_000)
    clock = T0 + 9_999
    await sender.runNow()
    assert.equal((await opened.store.listMail('queued', 10))[0]?.attempts, 1, 'not before its time')
    clock = T0 + 10_000
    await sender.runNow()
    ;[queued] = await opened.store.listMail('queued', 10)
    assert.equal(queued?.next_attempt_at, T0 + 10_000 + backoff(s, 1))
    assert.equal(backoff(s, 1), 20_000)
    clock = queued!.next_attempt_at
    await sender.runNow()
    assert.deepEqual(await opened.store.mailCounts(), { queued: 0, sent: 0, dead: 1 })
    assert.equal(server.received.length, 0)
  })

  test('a server that hangs after the message: a timeout, retried later; readiness says unavailable', async () => {
    const server = await smtp('hang')
    await opened.store.queueMail([mail('alice@example.com')], T0)
    const sender = start(settings(server.url))
    const started = Date.now()
    await sender.runNow()
    assert.ok(Date.now() - started < 5000, 'bounded by EMAIL_TIMEOUT')
    const [queued] = await opened.store.listMail('queued', 10)
    assert.equal(queued?.attempts, 1)
    assert.equal(sender.state, 'unavailable')
    server.behaviour = 'accept'
    clock = queued!.next_attempt_at
    await sender.runNow()
    assert.equal(server.received.length, 1)
    assert.equal(sender.state, 'ok')
  })

  test('a server that drops the connection mid-message: retried, and delivered once when it is back', async () => {
    const server = await smtp('drop')
    await opened.store.queueMail([mail('alice@example.com')], T0)
    const sender = start(settings(server.url))
    await sender.runNow()
    assert.equal(server.attempts, 1)
    assert.equal(server.received.length, 0)
    const [queued] = await opened.store.listMail('queued', 10)
    assert.equal(queued?.attempts, 1)
    server.behaviour = 'accept'
    clock = queued!.next_attempt_at
    await sender.runNow()
    assert.equal(server.received.length, 1)
    assert.deepEqual(await opened.store.mailCounts(), { queued: 0, sent: 1, dead: 0 })
  })

  test('the outbox survives a restart while the mail server is down: the next sender delivers it', async () => {
    const port = await closedPort()
    await opened.store.queueMail([mail('alice@example.com'), mail('bob@example.com')], T0)
    const first = start(settings(`smtp://127.0.0.1:${port}`))
    await first.runNow()
    assert.equal(first.state, 'unavailable')
    await first.stop()
    assert.deepEqual(await opened.store.mailCounts(), { queued: 2, sent: 0, dead: 0 })
    // "Restart": the database file reopened by a new process's store, the server up on its port.
    await opened.store.close()
    opened = await openStore(join(dir, 'db.sqlite3'))
    await opened.migrate()
    const server = await smtp('accept', port)
    clock = T0 + 60_000
    await start(settings(server.url)).runNow()
    assert.deepEqual(server.received.map((m) => m.to && !Array.isArray(m.to) && m.to.text).sort(), ['alice@example.com', 'bob@example.com'])
    assert.deepEqual(await opened.store.mailCounts(), { queued: 0, sent: 2, dead: 0 })
  })

  test('two senders on one outbox (two instances): each message delivered exactly once', async () => {
    const server = await smtp('accept')
    await opened.store.queueMail(Array.from({ length: 12 }, (_, i) => mail(`u${i}@example.com`)), T0)
    const s = settings(server.url, { timeout: '10s' }) // a loaded machine must not turn a slow answer into a retry
    await Promise.all([start(s).runNow(), start(s).runNow()])
    assert.equal(server.received.length, 12)
    assert.equal(new Set(server.received.map((m) => m.messageId)).size, 12)
  })
})
