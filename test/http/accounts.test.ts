import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'
import { linkIn, mailbox, recipient } from './mail-support.js'

const VERIFY = '/accounts/auth/registration/verify-email/'
const RESEND = '/accounts/auth/registration/resend-email/'
const USER = '/accounts/user/'
const keyOf = (link: string) => link.split('#/verify-email/')[1]!

async function withApp(env: Record<string, string>, run: (t: TestApp, clock: { ms: number }) => Promise<void>) {
  const clock = { ms: Date.now() }
  const t = await createTestApp(env, { now: () => clock.ms })
  try {
    await run(t, clock)
  } finally {
    await t.close()
  }
}

test('EMAIL_VERIFICATION=mandatory: registration answers 201 without cookies, login is refused until the mailed key is used', () =>
  withApp({ EMAIL_VERIFICATION: 'mandatory', SITE_URL: 'https://app.example.com' }, async (t) => {
    const jar = new Jar(t.app)
    const noEmail = await jar.request('POST', '/accounts/auth/register/', { body: { username: 'bob', password: 'a fine passphrase' } })
    assert.deepEqual({ status: noEmail.statusCode, body: noEmail.json() }, { status: 400, body: { email: ['This field is required.'] } })
    const registered = await jar.request('POST', '/accounts/auth/register/', { body: { username: 'bob', password: 'a fine passphrase', email: 'bob@example.com' } })
    assert.equal(registered.statusCode, 201)
    assert.equal(registered.json().email_verified, false)
    assert.equal(jar.get('access_token'), undefined)
    const login = await jar.login('bob', 'a fine passphrase')
    assert.deepEqual({ status: login.statusCode, body: login.json() }, { status: 400, body: { non_field_errors: ['E-mail is not verified.'] } })
    assert.equal(jar.get('access_token'), undefined)
    const [confirmation] = await mailbox(t)
    assert.equal(recipient(confirmation!), 'bob@example.com')
    const key = keyOf(linkIn(confirmation!, 'https://app.example.com/#/verify-email/'))
    assert.deepEqual((await t.app.inject({ method: 'POST', url: VERIFY, payload: { key: `${key}x` } })).json(), { detail: 'Not found.' })
    const verified = await t.app.inject({ method: 'POST', url: VERIFY, payload: { key } })
    assert.deepEqual({ status: verified.statusCode, body: verified.json() }, { status: 200, body: { detail: 'ok' } })
    assert.equal((await jar.login('bob', 'a fine passphrase')).statusCode, 200)
    const me = await jar.request('GET', USER)
    assert.equal(me.json().email, 'bob@example.com')
    assert.equal(me.json().email_verified, true)
  }))

test('verification keys expire after EMAIL_CONFIRMATION_EXPIRE_DAYS; resend answers ok whatever the address and mails only unverified accounts', () =>
  withApp({ EMAIL_CONFIRMATION_EXPIRE_DAYS: '2' }, async (t, clock) => {
    await createUser(t, 'alice', 'correct horse battery', { email: 'alice@example.com' })
    for (const email of ['alice@example.com', 'nobody@example.com']) {
      const response = await t.app.inject({ method: 'POST', url: RESEND, payload: { email } })
      assert.deepEqual({ status: response.statusCode, body: response.json() }, { status: 200, body: { detail: 'ok' } })
    }
    const mails = await mailbox(t)
    assert.deepEqual(mails.map(recipient), ['alice@example.com'])
    const key = keyOf(linkIn(mails[0]!, 'http://'))
    clock.ms += 2 * 86_400_000 + 1000
    assert.equal((await t.app.inject({ method: 'POST', url: VERIFY, payload: { key } })).statusCode, 404)
    assert.equal((await t.app.inject({ method: 'POST', url: VERIFY, payload: { key: 'a.b.c.d' } })).statusCode, 404)
    assert.equal((await t.app.inject({ method: 'POST', url: VERIFY, payload: {} })).statusCode, 400)
  }))

test('profile: PATCH and PUT change the names (PUT needs the username); CSRF is required for cookie auth', () =>
  withApp({}, async (t) => {
    await createUser(t, 'alice', 'correct horse battery', { email: 'alice@example.com' })
    const jar = new Jar(t.app)
    await jar.login()
    await jar.request('GET', '/accounts/csrf_token/')
    const forged = await jar.request('PATCH', USER, { body: { first_name: 'Eve' } })
    assert.equal(forged.statusCode, 403, 'a cross-site PATCH without the token')
    assert.match(forged.json().detail, /^CSRF Failed/)
    const patched = await jar.request('PATCH', USER, { body: { first_name: 'Alicia', id: 99, email_verified: true }, csrf: true })
    assert.equal(patched.statusCode, 200)
    assert.deepEqual(patched.json(), { id: 1, username: 'alice', first_name: 'Alicia', last_name: 'Liddell', email: 'alice@example.com', email_verified: false })
    assert.deepEqual((await jar.request('PUT', USER, { body: { first_name: 'A' }, csrf: true })).json(), { username: ['This field is required.'] })
    const put = await jar.request('PUT', USER, { body: { username: 'alice2', first_name: 'A', last_name: 'L' }, csrf: true })
    assert.equal(put.json().username, 'alice2')
    assert.equal((await jar.request('PATCH', USER, { body: { last_name: 'x'.repeat(151) }, csrf: true })).statusCode, 400)
  }))

test('email change: confirmed by the new address, noticed to the old; the key works once; needs the password after REAUTH_WINDOW', () =>
  withApp({ REAUTH_WINDOW: '5m', SITE_URL: 'https://app.example.com' }, async (t, clock) => {
    await createUser(t, 'alice', 'correct horse battery', { email: 'alice@example.com' })
    const jar = new Jar(t.app)
    await jar.login()
    await jar.request('GET', '/accounts/csrf_token/')
    const asked = await jar.request('PATCH', USER, { body: { email: 'new@example.com' }, csrf: true })
    assert.equal(asked.statusCode, 200)
    assert.equal(asked.json().email, 'alice@example.com', 'not changed before the confirmation')
    const mails = await mailbox(t)
    assert.deepEqual(mails.map(recipient), ['new@example.com', 'alice@example.com'])
    assert.doesNotMatch(mails[1]!.text ?? '', /verify-email/, 'the old address gets no key')
    const key = keyOf(linkIn(mails[0]!, 'https://app.example.com/#/verify-email/'))
    assert.equal((await t.app.inject({ method: 'POST', url: VERIFY, payload: { key } })).statusCode, 200)
    assert.equal((await t.app.inject({ method: 'POST', url: VERIFY, payload: { key } })).statusCode, 404, 'used once')
    clock.ms += 10_000 // past the user cache
    const me = (await jar.request('GET', USER)).json()
    assert.deepEqual([me.email, me.email_verified], ['new@example.com', true])
    // Past the window (a stolen session): the password is needed again.
    clock.ms += 6 * 60_000
    await jar.request('POST', '/accounts/auth/refresh_token/')
    const stale = await jar.request('PATCH', USER, { body: { email: 'eve@example.com' }, csrf: true })
    assert.deepEqual({ status: stale.statusCode, code: stale.json().code }, { status: 403, code: 'reauthentication_required' })
    assert.deepEqual((await jar.request('PATCH', USER, { body: { email: 'eve@example.com', password: 'wrong' }, csrf: true })).json(), { password: ['Incorrect password.'] })
    assert.equal((await jar.request('PATCH', USER, { body: { email: 'mine@example.com', password: 'correct horse battery' }, csrf: true })).statusCode, 200)
    assert.equal((await mailbox(t)).length, 4)
  }))

test('DELETE user/: needs the password after the window; 204, every session revoked at once, cookies deleted, the account gone, a notice mailed', () =>
  withApp({}, async (t, clock) => {
    await createUser(t, 'alice', 'correct horse battery', { email: 'alice@example.com' })
    const jar = new Jar(t.app)
    const other = new Jar(t.app)
    await jar.login()
    await other.login()
    await jar.request('GET', '/accounts/csrf_token/')
    assert.equal((await jar.request('DELETE', USER, { csrf: false })).statusCode, 403, 'CSRF')
    clock.ms += 6 * 60_000
    await jar.request('POST', '/accounts/auth/refresh_token/')
    assert.equal((await jar.request('DELETE', USER, { csrf: true })).json().code, 'reauthentication_required')
    assert.equal((await jar.request('DELETE', USER, { body: { password: 'nope' }, csrf: true })).statusCode, 400)
    const deleted = await jar.request('DELETE', USER, { body: { password: 'correct horse battery' }, csrf: true })
    assert.equal(deleted.statusCode, 204)
    assert.equal(jar.get('access_token'), undefined)
    assert.equal((await other.request('GET', USER)).statusCode, 401, "the other session's access token dies at once")
    assert.equal(await t.opened.store.findUserByUsername('alice'), null)
    const mails = await mailbox(t)
    assert.deepEqual(mails.map((m) => [recipient(m), m.subject]), [['alice@example.com', 'Your account on Tessera was deleted']])
  }))
