import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { totpCode } from '../../src/auth/index.js'
import { createTestApp, createUser, Jar } from '../support/app.js'
import { PASSWORD } from './helpers.js'
import { ACTIVATE, enrolTotp, TOTP, VERIFY, withClockApp } from './mfa-support.js'

const ODD: unknown[] = [null, true, 12, 'x', [], [1], {}, { code: null }, { code: true }, { code: [] }, { code: {} }, { code: '１２３４５６' }, { code: '\u0000\u0000\u0000\u0000\u0000\u0000' }, { code: '9'.repeat(64) }, { recovery_code: null }, { recovery_code: 'é'.repeat(10) }, { webauthn: 'x' }, { webauthn: null }, { webauthn: [] }, { webauthn: { id: 5, response: null } }, { webauthn: { id: 'x'.repeat(5000) } }, { credential: { id: 'x', response: { clientDataJSON: '!!!', authenticatorData: 'AA', signature: 'AA' } } }, { password: null }, { password: '\u0000' }, { username: {} }]

test('odd bodies and cookies on every second-factor route: a 4xx in DRF shape, never a 5xx', () =>
  withClockApp({ WEBAUTHN_ORIGIN: 'http://localhost:8000' }, async (t, clock) => {
    await createUser(t)
    const signedIn = new Jar(t.app)
    await enrolTotp(signedIn, clock)
    const pending = new Jar(t.app)
    await pending.login()
    await pending.request('POST', '/accounts/auth/webauthn/login/options/', { body: {} })
    const routes: [Jar, string, string][] = [
      [signedIn, 'POST', TOTP],
      [signedIn, 'DELETE', TOTP],
      [signedIn, 'POST', ACTIVATE],
      [pending, 'POST', VERIFY],
      [signedIn, 'POST', '/accounts/auth/webauthn/register/options/'],
      [signedIn, 'POST', '/accounts/auth/webauthn/register/'],
      [signedIn, 'DELETE', '/accounts/auth/webauthn/credentials/nope/'],
      [pending, 'POST', '/accounts/auth/webauthn/login/options/'],
      [pending, 'POST', '/accounts/auth/webauthn/login/'],
    ]
    for (const [jar, method, url] of routes) {
      for (const body of ODD) {
        const response = await jar.request(method, url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, csrf: true })
        assert.ok(response.statusCode < 500, `${method} ${url} ${JSON.stringify(body).slice(0, 80)} → ${response.statusCode} ${response.body.slice(0, 200)}`)
        if (response.statusCode >= 400) assert.equal(typeof response.json(), 'object', `${method} ${url}: a JSON body`)
      }
    }
    for (const cookie of ['x', '', '%', 'a'.repeat(4000), '\u00ff']) {
      const forged = new Jar(t.app)
      forged.set('mfa_pending', encodeURIComponent(cookie))
      forged.set('webauthn_challenge', encodeURIComponent(cookie))
      for (const body of [{ code: '123456' }, { webauthn: { id: 'x' } }]) assert.equal((await forged.request('POST', VERIFY, { body })).statusCode, 400)
      assert.equal((await forged.request('POST', '/accounts/auth/webauthn/login/', { body: { credential: { id: 'x' } } })).statusCode, 400)
      assert.equal((await forged.request('POST', '/accounts/auth/webauthn/login/options/', { body: {} })).statusCode, 200, 'a stale pending cookie: passwordless options')
    }
  }))

test('TOTP secrets survive a SECRET_KEY rotation through SECRET_KEY_FALLBACKS; without it the code is refused and a recovery code still works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mfa-rotation-'))
  const DATABASE_URL = join(dir, 'db.sqlite3')
  const OLD = 'the-old-secret-key-that-is-long-enough-0123456789'
  const NEW = 'the-new-secret-key-that-is-long-enough-0123456789'
  try {
    const before = await createTestApp({ DATABASE_URL, SECRET_KEY: OLD })
    await createUser(before)
    const clock = { ms: Date.now(), step() {} }
    const { secret, recoveryCodes } = await enrolTotp(new Jar(before.app), clock)
    await before.close()

    const rotated = await createTestApp({ DATABASE_URL, SECRET_KEY: NEW, SECRET_KEY_FALLBACKS: OLD })
    const jar = new Jar(rotated.app)
    await jar.login()
    assert.equal((await jar.request('POST', VERIFY, { body: { code: totpCode(secret, Date.now() + 30_000) } })).statusCode, 200)
    await rotated.close()

    const forgotten = await createTestApp({ DATABASE_URL, SECRET_KEY: NEW })
    const again = new Jar(forgotten.app)
    await again.login()
    const refused = await again.request('POST', VERIFY, { body: { code: totpCode(secret, Date.now() + 60_000) } })
    assert.deepEqual({ status: refused.statusCode, body: refused.json() }, { status: 400, body: { code: ['Invalid code.'] } })
    assert.equal((await again.request('POST', VERIFY, { body: { recovery_code: recoveryCodes[0] } })).statusCode, 200)
    await forgotten.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a sealed secret moved to another user does not open', () =>
  withClockApp({}, async (t, clock) => {
    const alice = await createUser(t)
    const bob = await createUser(t, 'bob')
    await enrolTotp(new Jar(t.app), clock)
    const bobJar = new Jar(t.app)
    await bobJar.login('bob', PASSWORD)
    const { secret: bobSecret } = (await bobJar.request('POST', TOTP, { body: { password: PASSWORD }, csrf: true })).json()
    const aliceRow = await t.opened.db.selectFrom('auth_mfa_totp').selectAll().where('user_id', '=', alice.id).executeTakeFirstOrThrow()
    // The attacker copies alice's sealed secret (whose codes they might know) into bob's unconfirmed row.
    await t.opened.db.updateTable('auth_mfa_totp').set({ secret: aliceRow.secret }).where('user_id', '=', bob.id).execute()
    assert.equal((await bobJar.request('POST', ACTIVATE, { body: { code: totpCode(bobSecret, clock.ms) }, csrf: true })).statusCode, 400)
  }))
