import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { openStore } from '../../src/store/index.js'
import { runCli } from '../django/support.js'
import { startSmtp, type TestSmtp } from '../mail/smtp-server.js'
import { closedPort } from '../support/net.js'
import { TEST_ENV } from '../support/app.js'

let dir: string
let smtp: TestSmtp
let env: Record<string, string>
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-mail-'))
  smtp = await startSmtp('accept')
  env = { ...TEST_ENV, DATABASE_URL: join(dir, 'db.sqlite3'), DATA_DIR: dir, EMAIL_URL: smtp.url, EMAIL_TIMEOUT: '1s' }
})
after(async () => {
  await smtp.close()
  rmSync(dir, { recursive: true, force: true })
})

test('sendtestemail ADDRESS: the real server receives it; a server that is down is a one-line error and a non-zero exit', async () => {
  const sent = await runCli(['sendtestemail', 'ops@example.com'], env)
  assert.equal(sent.code, 0, sent.err)
  assert.match(sent.out, /Sent a test email to ops@example.com/)
  assert.equal(smtp.received.length, 1)
  assert.match(smtp.received[0]!.subject ?? '', /^Test email from /)
  const down = await runCli(['sendtestemail', 'ops@example.com'], { ...env, EMAIL_URL: `smtp://127.0.0.1:${await closedPort()}` })
  assert.notEqual(down.code, 0)
  assert.match(down.err, /sending to ops@example.com failed/)
  assert.notEqual((await runCli(['sendtestemail', 'not an address'], env)).code, 0)
})

test('outbox: counts and the dead messages; --retry queues one again', async () => {
  const opened = await openStore(env.DATABASE_URL!)
  await opened.migrate()
  await opened.store.queueMail([{ to_address: 'a@example.com', user_id: null, kind: 'test', subject: 's', text_body: 't', html_body: 'h' }], Date.now())
  const [m] = await opened.store.claimMail(Date.now(), 60_000, 1)
  await opened.store.markMailFailed(m!.id, m!.claim_id!, '550: no such user', null)
  await opened.store.close()
  const listed = await runCli(['outbox', '--dead'], env)
  assert.equal(listed.code, 0, listed.err)
  assert.match(listed.out, /queued 0, sent 0, dead 1/)
  assert.match(listed.out, new RegExp(`^${m!.id}\\tdead\\ttest\\ta@example.com\\tattempts 1\\t550: no such user$`, 'm'))
  assert.equal((await runCli(['outbox', '--retry', String(m!.id)], env)).code, 0)
  assert.match((await runCli(['outbox'], env)).out, /queued 1, sent 0, dead 0/)
  assert.notEqual((await runCli(['outbox', '--retry', '424242'], env)).code, 0)
})
