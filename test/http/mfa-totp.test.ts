import assert from 'node:assert/strict'
import { test } from 'node:test'
import { totpCode } from '../../src/auth/index.js'
import { createUser, Jar } from '../support/app.js'
import { PASSWORD, USER } from './helpers.js'
import { ACTIVATE, enrolTotp, INVALID, loginWithTotp, subjects, TOTP, withClockApp } from './mfa-support.js'

test('TOTP enrolment needs the password; the secret is stored sealed; a code from it activates it and answers 10 recovery codes, stored as argon2 hashes', () =>
  withClockApp({}, async (t, clock) => {
    await createUser(t, 'alice', PASSWORD, { email: 'alice@example.com' })
    const jar = new Jar(t.app)
    await jar.login()
    const noPassword = await jar.request('POST', TOTP, { body: {}, csrf: true })
    assert.deepEqual({ status: noPassword.statusCode, body: noPassword.json() }, { status: 400, body: { password: ['This field is required.'] } })
    const wrong = await jar.request('POST', TOTP, { body: { password: 'not it' }, csrf: true })
    assert.deepEqual({ status: wrong.statusCode, body: wrong.json() }, { status: 400, body: { password: ['Incorrect password.'] } })
    const noCsrf = await jar.request('POST', TOTP, { body: { password: PASSWORD } })
    assert.equal(noCsrf.statusCode, 403)
    const setup = await jar.request('POST', TOTP, { body: { password: PASSWORD }, csrf: true })
    assert.equal(setup.statusCode, 200)
    const { secret, otpauth_url, qr_svg } = setup.json()
    assert.match(secret, /^[A-Z2-7]{32}$/)
    assert.equal(otpauth_url, `otpauth://totp/Tessera:alice?issuer=Tessera&secret=${secret}&algorithm=SHA1&digits=6&period=30`)
    assert.match(qr_svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    const [row] = await t.opened.db.selectFrom('auth_mfa_totp').selectAll().execute()
    assert.match(row!.secret, /^tessera-sealed:v1:/)
    assert.ok(!row!.secret.includes(secret))

    for (const code of ['000000', 'abcdef', '12345', '1234567', totpCode(secret, clock.ms - 90_000)]) {
      const refused = await jar.request('POST', ACTIVATE, { body: { code }, csrf: true })
      assert.deepEqual({ status: refused.statusCode, body: refused.json() }, { status: 400, body: INVALID }, code)
    }
    const tooLong = await jar.request('POST', ACTIVATE, { body: { code: '1'.repeat(65) }, csrf: true })
    assert.equal(tooLong.statusCode, 400)
    const activated = await jar.request('POST', ACTIVATE, { body: { code: totpCode(secret, clock.ms) }, csrf: true })
    assert.equal(activated.statusCode, 200)
    const codes: string[] = activated.json().recovery_codes
    assert.equal(codes.length, 10)
    assert.equal(new Set(codes).size, 10)
    for (const code of codes) assert.match(code, /^[a-z2-9]{5}-[a-z2-9]{5}$/)
    const hashes = await t.opened.db.selectFrom('auth_mfa_recovery_code').select('code_hash').execute()
    assert.equal(hashes.length, 10)
    for (const { code_hash } of hashes) assert.match(code_hash, /^\$argon2id\$/)
    assert.ok(!hashes.some((h) => codes.some((c) => h.code_hash.includes(c))))

    const again = await jar.request('POST', ACTIVATE, { body: { code: totpCode(secret, clock.ms) }, csrf: true })
    assert.deepEqual(again.json(), { non_field_errors: ['TOTP is already enabled.'] })
    const restart = await jar.request('POST', TOTP, { body: { password: PASSWORD }, csrf: true })
    assert.deepEqual({ status: restart.statusCode, body: restart.json() }, { status: 400, body: { non_field_errors: ['TOTP is already enabled.'] } })
    assert.deepEqual(await subjects(t, 1), ['A second factor was added to your account on Tessera'])
  }))

test('activation without enrolment is refused; a new enrolment replaces an unconfirmed secret', () =>
  withClockApp({}, async (t, clock) => {
    await createUser(t)
    const jar = new Jar(t.app)
    await jar.login()
    const early = await jar.request('POST', ACTIVATE, { body: { code: '123456' }, csrf: true })
    assert.deepEqual({ status: early.statusCode, body: early.json() }, { status: 400, body: { non_field_errors: ['Set up TOTP first.'] } })
    const first = (await jar.request('POST', TOTP, { body: { password: PASSWORD }, csrf: true })).json().secret
    const second = (await jar.request('POST', TOTP, { body: { password: PASSWORD }, csrf: true })).json().secret
    assert.notEqual(first, second)
    assert.deepEqual((await jar.request('POST', ACTIVATE, { body: { code: totpCode(first, clock.ms) }, csrf: true })).json(), INVALID)
    assert.equal((await jar.request('POST', ACTIVATE, { body: { code: totpCode(second, clock.ms) }, csrf: true })).statusCode, 200)
  }))

test('enabling TOTP ends every other session at once (a session from before the factor cannot be refreshed); the enrolling one stays', () =>
  withClockApp({}, async (t, clock) => {
    await createUser(t)
    const before = new Jar(t.app)
    await before.login()
    const enrolling = new Jar(t.app)
    await enrolTotp(enrolling, clock)
    assert.equal((await before.request('GET', USER)).statusCode, 401)
    assert.equal((await before.request('POST', '/accounts/auth/refresh_token/')).statusCode, 401)
    assert.equal((await enrolling.request('GET', USER)).statusCode, 200)
  }))

test('DELETE TOTP with a current code or the password → 204; it removes the recovery codes, ends other sessions, mails a notice; login is one step again', () =>
  withClockApp({}, async (t, clock) => {
    await createUser(t, 'alice', PASSWORD, { email: 'alice@example.com' })
    const jar = new Jar(t.app)
    const { secret } = await enrolTotp(jar, clock)
    const other = new Jar(t.app)
    assert.equal((await loginWithTotp(other, secret, clock)).statusCode, 200)
    const nothing = await jar.request('DELETE', TOTP, { body: {}, csrf: true })
    assert.deepEqual({ status: nothing.statusCode, body: nothing.json() }, { status: 400, body: { non_field_errors: ['Send the code or the password.'] } })
    const wrong = await jar.request('DELETE', TOTP, { body: { code: '000000' }, csrf: true })
    assert.deepEqual({ status: wrong.statusCode, body: wrong.json() }, { status: 400, body: INVALID })
    // The code `other` just logged in with is spent.
    assert.deepEqual((await jar.request('DELETE', TOTP, { body: { code: totpCode(secret, clock.ms) }, csrf: true })).json(), INVALID)
    clock.step()
    const removed = await jar.request('DELETE', TOTP, { body: { code: totpCode(secret, clock.ms) }, csrf: true })
    assert.equal(removed.statusCode, 204)
    assert.equal((await other.request('GET', USER)).statusCode, 401)
    assert.equal((await jar.request('GET', USER)).statusCode, 200)
    assert.deepEqual(await t.opened.db.selectFrom('auth_mfa_recovery_code').selectAll().execute(), [])
    const plain = await new Jar(t.app).login()
    assert.deepEqual({ status: plain.statusCode, body: plain.json() }, { status: 200, body: {} })
    assert.equal((await jar.request('DELETE', TOTP, { body: { password: PASSWORD }, csrf: true })).statusCode, 404)

    await enrolTotp(jar, clock)
    const badPassword = await jar.request('DELETE', TOTP, { body: { password: 'nope' }, csrf: true })
    assert.deepEqual(badPassword.json(), { password: ['Incorrect password.'] })
    assert.equal((await jar.request('DELETE', TOTP, { body: { password: PASSWORD }, csrf: true })).statusCode, 204)
    assert.deepEqual(await subjects(t, 4), [
      'A second factor was added to your account on Tessera',
      'A second factor was removed from your account on Tessera',
      'A second factor was added to your account on Tessera',
      'A second factor was removed from your account on Tessera',
    ])
  }))
