import assert from 'node:assert/strict'
import { test } from 'node:test'
import { totpCode } from '../../src/auth/index.js'
import { createUser, Jar } from '../support/app.js'
import { cookiesOf, PASSWORD, USER } from './helpers.js'
import { mailbox } from './mail-support.js'
import { enrolTotp, INVALID, loginWithTotp, subjects, VERIFY, withClockApp } from './mfa-support.js'

const NO_PENDING = { detail: 'The login has expired or was started elsewhere: log in with your password again.' }

test('the password step of an account with TOTP answers mfa_required with an HttpOnly mfa_pending cookie and no auth cookies; the code completes the login as a plain login', () =>
  withClockApp({}, async (t, clock) => {
    await createUser(t)
    const { secret } = await enrolTotp(new Jar(t.app), clock)
    const jar = new Jar(t.app)
    jar.set('csrftoken', 'a'.repeat(32))
    const first = await jar.login()
    assert.deepEqual({ status: first.statusCode, body: first.json() }, { status: 200, body: { mfa_required: true, methods: ['totp', 'recovery_code'] } })
    const set = cookiesOf(first)
    assert.equal(set.access_token, undefined)
    assert.equal(set.refresh_token, undefined)
    assert.deepEqual(set.mfa_pending?.attributes, { 'max-age': '300', path: '/accounts/auth/', httponly: true, samesite: 'Lax' })
    assert.notEqual(set.csrftoken?.value, 'a'.repeat(32), 'the password step rotates the CSRF secret')
    assert.equal((await jar.request('GET', USER)).statusCode, 401)

    const wrong = await jar.request('POST', VERIFY, { body: { code: '000000' } })
    assert.deepEqual({ status: wrong.statusCode, body: wrong.json() }, { status: 400, body: INVALID })
    const stepCsrf = jar.get('csrftoken')
    clock.step()
    const done = await jar.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })
    assert.deepEqual({ status: done.statusCode, body: done.json() }, { status: 200, body: {} })
    const after = cookiesOf(done)
    assert.ok(after.access_token?.value && after.refresh_token?.value)
    assert.equal(after.mfa_pending?.attributes['max-age'], '0')
    assert.ok(after.csrftoken?.value && after.csrftoken.value !== stepCsrf, 'completing the login rotates the CSRF secret again')
    assert.equal((await jar.request('GET', USER)).json().username, 'alice')
    // The pending login is spent: the same cookie cannot open a second session.
    jar.set('mfa_pending', set.mfa_pending!.value, '/accounts/auth/')
    clock.step()
    assert.deepEqual((await jar.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })).json(), NO_PENDING)
  }))

test('a code is accepted once: the same code (replay) and one from an earlier step are refused', () =>
  withClockApp({}, async (t, clock) => {
    await createUser(t)
    const { secret } = await enrolTotp(new Jar(t.app), clock)
    assert.equal((await loginWithTotp(new Jar(t.app), secret, clock)).statusCode, 200)
    const replay = new Jar(t.app)
    await replay.login()
    assert.deepEqual((await replay.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })).json(), INVALID)
    assert.deepEqual((await replay.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms - 30_000) } })).json(), INVALID)
    clock.step()
    assert.equal((await replay.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })).statusCode, 200)
  }))

test('a recovery code logs in once, ends every other session and mails a notice; bad input is a 400', () =>
  withClockApp({}, async (t, clock) => {
    await createUser(t, 'alice', PASSWORD, { email: 'alice@example.com' })
    const enrolled = new Jar(t.app)
    const { recoveryCodes } = await enrolTotp(enrolled, clock)
    const jar = new Jar(t.app)
    await jar.login()
    for (const body of [{ recovery_code: 'aaaaa-aaaaa' }, { recovery_code: 'short' }, { recovery_code: '' }]) {
      const refused = await jar.request('POST', VERIFY, { body })
      assert.equal(refused.statusCode, 400, JSON.stringify(body))
    }
    assert.deepEqual((await jar.request('POST', VERIFY, { body: {} })).json(), { code: ['This field is required.'] })
    const used = await jar.request('POST', VERIFY, { body: { recovery_code: recoveryCodes[3]!.toUpperCase().replace('-', ' ') } })
    assert.deepEqual({ status: used.statusCode, body: used.json() }, { status: 200, body: {} })
    assert.equal((await enrolled.request('GET', USER)).statusCode, 401)
    assert.equal((await jar.request('GET', USER)).statusCode, 200)
    const again = new Jar(t.app)
    await again.login()
    assert.deepEqual((await again.request('POST', VERIFY, { body: { recovery_code: recoveryCodes[3] } })).json(), { recovery_code: ['Invalid code.'] })
    assert.equal((await again.request('POST', VERIFY, { body: { recovery_code: recoveryCodes[4] } })).statusCode, 200)
    assert.equal((await subjects(t, 3)).filter((s) => s === 'A recovery code was used on Tessera').length, 2)
    assert.match((await mailbox(t)).at(-1)!.text ?? '', /8 remain/)
  }))

test('the pending login is bound to its client: another CSRF cookie or User-Agent, no cookie, or an expired one is refused', () =>
  withClockApp({}, async (t, clock) => {
    await createUser(t)
    const { secret } = await enrolTotp(new Jar(t.app), clock)
    const jar = new Jar(t.app)
    await jar.login('alice', PASSWORD)
    clock.step()
    const code = totpCode(secret, clock.ms)
    const thief = new Jar(t.app)
    thief.set('mfa_pending', jar.get('mfa_pending')!)
    assert.deepEqual((await thief.request('POST', VERIFY, { body: { code } })).json(), NO_PENDING)
    thief.set('csrftoken', 'b'.repeat(32))
    assert.deepEqual((await thief.request('POST', VERIFY, { body: { code } })).json(), NO_PENDING)
    const otherAgent = await jar.request('POST', VERIFY, { body: { code }, headers: { 'user-agent': 'Other/1.0' } })
    assert.deepEqual({ status: otherAgent.statusCode, body: otherAgent.json() }, { status: 400, body: NO_PENDING })
    assert.deepEqual((await new Jar(t.app).request('POST', VERIFY, { body: { code } })).json(), NO_PENDING)
    clock.ms += 301_000
    assert.deepEqual((await jar.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })).json(), NO_PENDING)
    await jar.login()
    clock.step()
    assert.equal((await jar.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })).statusCode, 200)
  }))

test('wrong codes are throttled per pending login (MFA_PENDING_MAX_ATTEMPTS) and per account (429 with Retry-After)', () =>
  withClockApp({ RATE_LIMIT_ENABLED: 'true', MFA_PENDING_MAX_ATTEMPTS: '3', RATE_LIMIT_PAIR_FREE_ATTEMPTS: '5' }, async (t, clock) => {
    await createUser(t)
    const { secret } = await enrolTotp(new Jar(t.app), clock)
    const jar = new Jar(t.app)
    await jar.login()
    for (let i = 0; i < 3; i++) assert.deepEqual((await jar.request('POST', VERIFY, { body: { code: '000000' } })).json(), INVALID)
    clock.step()
    assert.deepEqual((await jar.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })).json(), NO_PENDING, 'the pending login ended after 3 wrong codes')
    await jar.login()
    for (let i = 0; i < 2; i++) assert.deepEqual((await jar.request('POST', VERIFY, { body: { code: '000000' } })).json(), INVALID)
    const throttled = await jar.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })
    assert.equal(throttled.statusCode, 429)
    assert.ok(Number(throttled.headers['retry-after']) >= 1)
    // A new password step buys no new guesses: the account's back-off holds across logins.
    await jar.login()
    assert.equal((await jar.request('POST', VERIFY, { body: { code: '000000' } })).statusCode, 429)
    clock.ms += 120_000
    assert.equal((await jar.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })).statusCode, 200)
  }))

test('no route opens a session without the second factor: registration under the name, the dj-rest-auth login, a Django-imported user', () =>
  withClockApp({ ROUTE_PROFILE: 'dj-rest-auth' }, async (t, clock) => {
    // pbkdf2_sha256 of 'lètmein' (Django's own test vector): an account imported from Django.
    await t.opened.store.createUser({ username: 'imported', email: '', first_name: '', last_name: '', password: 'pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=', is_active: true, is_staff: false, is_superuser: false })
    const jar = new Jar(t.app)
    const first = await jar.request('POST', '/accounts/login/', { body: { username: 'imported', password: 'lètmein' } })
    assert.equal(first.statusCode, 200)
    assert.equal((await jar.request('POST', '/accounts/auth/mfa/totp/', { body: { password: 'lètmein' }, csrf: true })).statusCode, 200)
    const row = await t.opened.store.findUserByUsername('imported')
    assert.match(row!.password!, /^\$argon2id\$/, 'the Django hash was upgraded at the first login')
    const { secret } = (await jar.request('POST', '/accounts/auth/mfa/totp/', { body: { password: 'lètmein' }, csrf: true })).json()
    assert.equal((await jar.request('POST', '/accounts/auth/mfa/totp/activate/', { body: { code: totpCode(secret, clock.ms) }, csrf: true })).statusCode, 200)

    const fresh = new Jar(t.app)
    const step = await fresh.request('POST', '/accounts/login/', { body: { username: 'imported', password: 'lètmein' } })
    assert.deepEqual(step.json(), { mfa_required: true, methods: ['totp', 'recovery_code'] })
    assert.equal(cookiesOf(step).mfa_pending?.attributes.path, '/accounts/', 'the pending cookie covers login/ and auth/mfa/verify/')
    assert.equal(fresh.get('access_token'), undefined)
    const register = await fresh.request('POST', '/accounts/registration/', { body: { username: 'imported', password1: 'lètmein-again-2026', password2: 'lètmein-again-2026', password: 'lètmein-again-2026' } })
    assert.equal(register.statusCode, 400)
    assert.equal(fresh.get('access_token'), undefined)
    clock.step()
    assert.equal((await fresh.request('POST', '/accounts/auth/mfa/verify/', { body: { code: totpCode(secret, clock.ms) } })).statusCode, 200)
    assert.equal((await fresh.request('GET', '/accounts/user/')).json().username, 'imported')
  }))
