import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'
import { linkIn, mailbox, recipient } from './mail-support.js'

const RESET = '/accounts/auth/password/reset/'
const CONFIRM = '/accounts/auth/password/reset/confirm/'
const SENT = { detail: 'Password reset e-mail has been sent.' }
const NEW = 'a brand new passphrase'

/** uid and token from the mailed link `<site>/#/reset/{uid}/{token}`. */
function resetParts(link: string): { uid: string; token: string } {
  const [uid, token] = link.split('#/reset/')[1]!.split('/')
  return { uid: uid!, token: token! }
}

describe('password reset (dj-rest-auth routes, Django tokens)', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ SITE_URL: 'https://app.example.com', SITE_NAME: 'Example', ALLOWED_HOSTS: '*' })
    await createUser(t, 'alice', 'correct horse battery', { email: 'alice@example.com' })
    await createUser(t, 'mallory', 'correct horse battery', { email: 'mallory@example.com' })
  })
  after(() => t.close())
  const post = (url: string, payload: object, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url, payload, headers })

  test('the same answer for a known and an unknown address, in the same time; only the known one gets mail, linking to SITE_URL', async () => {
    const sentBefore = (await mailbox(t)).length
    const started = performance.now()
    const known = await post(RESET, { email: 'ALICE@example.com' }, { host: 'evil.example' })
    const knownMs = performance.now() - started
    const unknown = await post(RESET, { email: 'nobody@example.com' })
    const unknownMs = performance.now() - started - knownMs
    assert.equal(known.statusCode, 200)
    assert.deepEqual(known.json(), SENT)
    assert.deepEqual({ status: unknown.statusCode, body: unknown.json() }, { status: 200, body: SENT })
    // Both wait out the same floor, so the work behind them does not show.
    for (const ms of [knownMs, unknownMs]) assert.ok(ms >= 245, `answered in ${ms} ms`)
    assert.ok(Math.abs(knownMs - unknownMs) < 120, `${knownMs} vs ${unknownMs}`)
    const mails = (await mailbox(t)).slice(sentBefore)
    assert.equal(mails.length, 1)
    assert.equal(recipient(mails[0]!), 'alice@example.com')
    assert.match(mails[0]!.subject ?? '', /Example/)
    assert.ok(mails[0]!.html, 'an HTML part')
    // Host header poisoning: the link never comes from the request.
    assert.ok(linkIn(mails[0]!, 'https://app.example.com/#/reset/'))
    assert.doesNotMatch(mails[0]!.text ?? '', /evil\.example/)
  })

  test('bad input: a malformed address is a field error; missing fields are "required"', async () => {
    assert.deepEqual((await post(RESET, { email: 'not-an-address' })).json(), { email: ['Enter a valid email address.'] })
    const missing = await post(CONFIRM, {})
    assert.equal(missing.statusCode, 400)
    assert.deepEqual(Object.keys(missing.json()).sort(), ['new_password1', 'new_password2', 'token', 'uid'])
  })

  test('confirm: bad uid, bad token, mismatched and weak passwords are 400s with dj-rest-auth/Django messages; the token is not consumed by them', async () => {
    const before = (await mailbox(t)).length
    await post(RESET, { email: 'alice@example.com' })
    const { uid, token } = resetParts(linkIn((await mailbox(t))[before]!, 'https://'))
    const confirm = (body: object) => post(CONFIRM, { uid, token, new_password1: NEW, new_password2: NEW, ...body })
    assert.deepEqual((await confirm({ uid: 'bm9wZQ' })).json(), { uid: ['Invalid value'] })
    assert.deepEqual((await confirm({ uid: '!!' })).json(), { uid: ['Invalid value'] })
    assert.deepEqual((await confirm({ uid: 'OTk5OQ' })).json(), { uid: ['Invalid value'] })
    assert.deepEqual((await confirm({ token: `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}` })).json(), { token: ['Invalid value'] }, 'one character changed')
    assert.deepEqual((await confirm({ token: 'garbage' })).json(), { token: ['Invalid value'] })
    assert.deepEqual((await confirm({ new_password2: 'something else entirely' })).json(), { new_password2: ['The two password fields didn’t match.'] })
    const weak = await confirm({ new_password1: '12345', new_password2: '12345' })
    assert.deepEqual(weak.json(), { new_password2: ['This password is too short. It must contain at least 8 characters.', 'This password is too common.', 'This password is entirely numeric.'] })
    assert.equal((await confirm({})).statusCode, 200)
  })

  test('confirm: revokes every session at once, mails a notice; the token works once; the new password logs in', async () => {
    const jar = new Jar(t.app)
    assert.equal((await jar.login('mallory')).statusCode, 200)
    assert.equal((await jar.request('GET', '/accounts/user/')).statusCode, 200)
    const before = (await mailbox(t)).length
    await post(RESET, { email: 'mallory@example.com' })
    const link = linkIn((await mailbox(t))[before]!, 'https://')
    const { uid, token } = resetParts(link)
    // Opening the link consumes nothing: the page is the front end's; only the POST acts.
    const body = { uid, token, new_password1: NEW, new_password2: NEW }
    const done = await post(CONFIRM, body)
    assert.deepEqual({ status: done.statusCode, body: done.json() }, { status: 200, body: { detail: 'Password has been reset with the new password.' } })
    assert.equal((await jar.request('GET', '/accounts/user/')).statusCode, 401, 'the old access token dies at once')
    assert.deepEqual((await post(CONFIRM, body)).json(), { token: ['Invalid value'] }, 'used once')
    const mails = (await mailbox(t)).slice(before)
    assert.deepEqual(mails.map((m) => [recipient(m), m.subject]), [['mallory@example.com', 'Password reset on Example'], ['mallory@example.com', 'Your password on Example was changed']])
    assert.equal((await new Jar(t.app).login('mallory', NEW)).statusCode, 200)
    const me = await new Jar(t.app).login('mallory', 'correct horse battery')
    assert.equal(me.statusCode, 401)
  })

  test('two confirms racing with one token: exactly one wins', async () => {
    const before = (await mailbox(t)).length
    await post(RESET, { email: 'alice@example.com' })
    const { uid, token } = resetParts(linkIn((await mailbox(t))[before]!, 'https://'))
    const results = await Promise.all(['first passphrase one', 'second passphrase two'].map((p) => post(CONFIRM, { uid, token, new_password1: p, new_password2: p })))
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 400])
  })

  test('routes that take no session get the Origin check of login: a cross-site reset is refused', async () => {
    const response = await post(RESET, { email: 'alice@example.com' }, { origin: 'https://evil.example' })
    assert.equal(response.statusCode, 403)
    assert.match(response.json().detail, /^CSRF Failed: Origin checking failed/)
  })
})

describe('password reset throttling and a missing mail server', () => {
  test('per address: RATE_LIMIT_EMAIL_PER_HOUR resets for one address, known or not, then 429 with Retry-After', async () => {
    const t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_EMAIL_PER_HOUR: '2' })
    try {
      await createUser(t, 'alice', 'correct horse battery', { email: 'alice@example.com' })
      for (const email of ['alice@example.com', 'nobody@example.com']) {
        for (let i = 0; i < 2; i++) assert.equal((await t.app.inject({ method: 'POST', url: RESET, payload: { email } })).statusCode, 200)
        const refused = await t.app.inject({ method: 'POST', url: RESET, payload: { email: email.toUpperCase() } })
        assert.equal(refused.statusCode, 429)
        assert.ok(Number(refused.headers['retry-after']) > 0)
      }
      assert.equal((await mailbox(t)).length, 2)
    } finally {
      await t.close()
    }
  })

  test('production without EMAIL_URL: the reset answers 503, and /readyz says mail is not configured', async () => {
    const t = await createTestApp({ NODE_ENV: 'production', SECRET_KEY: 'a-production-grade-secret-key-0123456789abcdef', ARGON2_MEMORY_COST: '19456', ALLOWED_HOSTS: 'localhost' })
    try {
      const response = await t.app.inject({ method: 'POST', url: RESET, payload: { email: 'alice@example.com' } })
      assert.equal(response.statusCode, 503)
      assert.ok(response.json().detail)
      const ready = await t.app.inject({ url: '/readyz' })
      assert.equal(ready.json().checks.mail, 'not configured')
    } finally {
      await t.close()
    }
  })
})
