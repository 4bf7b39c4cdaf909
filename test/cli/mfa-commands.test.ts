import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCli } from '../django/support.js'
import { createUser, Jar, TEST_ENV } from '../support/app.js'
import { PASSWORD } from '../http/helpers.js'
import { enrolTotp, withClockApp } from '../http/mfa-support.js'

test('mfa reset USERNAME removes the factors, revokes every session and queues a notice; login is one step again', () =>
  withClockApp({}, async (t, clock) => {
    await createUser(t, 'alice', PASSWORD, { email: 'alice@example.com' })
    const jar = new Jar(t.app)
    await enrolTotp(jar, clock)
    assert.equal((await new Jar(t.app).login()).json().mfa_required, true)
    const env = { ...TEST_ENV, DATABASE_URL: t.config.database.url, DATA_DIR: t.config.dataDir, EMAIL_URL: 'memory' }
    const reset = await runCli(['mfa', 'reset', 'ALICE'], env)
    assert.equal(reset.code, 0, reset.err)
    assert.match(reset.out, /Second factors of 'alice' removed/)
    // The database has the revocation at once (the running server's access-token check follows it at its next catch-up).
    assert.equal((await jar.request('POST', '/accounts/auth/refresh_token/')).statusCode, 401)
    assert.deepEqual((await new Jar(t.app).login()).json(), {})
    const notices = await t.opened.store.listMail(null, 10)
    assert.deepEqual(notices.map((m) => m.kind), ['mfa_factor_removed', 'mfa_factor_added'])
    assert.match((await runCli(['mfa', 'reset', 'alice'], env)).out, /had no second factor/)
    assert.equal((await runCli(['mfa', 'reset', 'nobody'], env)).code, 1)
    assert.equal((await runCli(['mfa', 'wipe', 'alice'], env)).code, 1)
  }))
