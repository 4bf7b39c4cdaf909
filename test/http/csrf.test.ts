import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generateSecret, maskSecret } from '../../src/csrf/index.js'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, loginCookies, LOGOUT, REFRESH, USER } from './helpers.js'

const HOST = 'api.example.com'
const HEADER = "the 'X-Csrftoken' HTTP header"

/**
 * Django's CSRF check on a cookie-authenticated unsafe request (POST /accounts/auth/logout/), through
 * the HTTP layer. A refused logout changes nothing, so one session serves every failure case.
 */
describe('CSRF on cookie-authenticated unsafe requests: Django reason strings', () => {
  let t: TestApp
  let s: { access: string; refresh: string; csrf: string }
  before(async () => {
    t = await createTestApp({ CSRF_TRUSTED_ORIGINS: 'https://app.example.com,https://*.example.org', ALLOWED_HOSTS: `.localhost,${HOST}` })
    await createUser(t)
    s = await loginCookies(t)
  })
  after(() => t.close())

  /** `null` leaves the cookie or the header out. */
  type Parts = { csrftoken?: string | null; token?: string | null; headers?: Record<string, string>; form?: string }
  const logout = ({ csrftoken = s.csrf, token = s.csrf, headers = {}, form }: Parts = {}) =>
    t.app.inject({
      method: 'POST',
      url: LOGOUT,
      headers: {
        host: HOST,
        cookie: cookieHeader({ access_token: s.access, refresh_token: s.refresh, csrftoken: csrftoken ?? undefined }),
        ...(token !== null && { 'x-csrftoken': token }),
        ...(form !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
        ...headers,
      },
      ...(form !== undefined && { payload: form }),
    })

  async function refused(parts: Parts, reason: string) {
    const response = await logout(parts)
    assert.equal(response.statusCode, 403, response.body)
    assert.equal(response.json().detail, `CSRF Failed: ${reason}`)
    assert.equal(response.headers['set-cookie'], undefined, 'a refused logout deletes nothing')
  }

  test('no csrftoken cookie → "CSRF cookie not set."', () => refused({ csrftoken: null }, 'CSRF cookie not set.'))
  test('cookie but no token → "CSRF token missing."', () => refused({ token: null }, 'CSRF token missing.'))
  test('a token of another secret → incorrect (masked and bare)', async () => {
    const other = generateSecret()
    await refused({ token: maskSecret(other) }, `CSRF token from ${HEADER} incorrect.`)
    await refused({ token: other }, `CSRF token from ${HEADER} incorrect.`)
  })
  test('a token of the wrong length → "... has incorrect length."', async () => {
    for (const token of ['abc', s.csrf.slice(1), `${s.csrf}x`, '']) await refused({ token }, `CSRF token from ${HEADER} has incorrect length.`)
  })
  test('a token with characters outside [a-zA-Z0-9] → "... has invalid characters."', () =>
    refused({ token: `${s.csrf.slice(0, 31)}!` }, `CSRF token from ${HEADER} has invalid characters.`))
  test('a malformed cookie → "CSRF cookie has incorrect length." / "has invalid characters."', async () => {
    await refused({ csrftoken: 'abc', token: 'abc' }, 'CSRF cookie has incorrect length.')
    await refused({ csrftoken: '-'.repeat(32), token: '-'.repeat(32) }, 'CSRF cookie has invalid characters.')
  })
  test('the form field csrfmiddlewaretoken is read from a form body → "CSRF token from POST incorrect."', () =>
    refused({ token: null, form: `csrfmiddlewaretoken=${maskSecret(generateSecret())}` }, 'CSRF token from POST incorrect.'))
  test('a planted cookie plus a token made for it does not help an attacker without the victim’s cookie', async () => {
    const attacker = generateSecret()
    await refused({ token: maskSecret(attacker) }, `CSRF token from ${HEADER} incorrect.`)
  })

  test('an untrusted Origin → "Origin checking failed - <origin> does not match any trusted origins."', async () => {
    for (const origin of ['https://evil.example', 'null', `https://${HOST}`, `http://${HOST}:8080`, 'http://app.example.com', 'https://example.org.evil.com']) {
      await refused({ headers: { origin } }, `Origin checking failed - ${origin} does not match any trusted origins.`)
    }
  })

  test('the session survived every refused attempt', async () => {
    const me = await t.app.inject({ url: USER, headers: { cookie: `access_token=${s.access}` } })
    assert.equal(me.statusCode, 200)
  })

  test('accepted: masked token, bare secret, form field, own Origin, trusted and wildcard-trusted Origins', async () => {
    // Built per attempt: each success ends the session, so the next case logs in again.
    const cases: (() => Parts)[] = [
      () => ({}),
      () => ({ token: maskSecret(s.csrf) }),
      () => ({ token: null, form: `csrfmiddlewaretoken=${maskSecret(s.csrf)}` }),
      () => ({ headers: { origin: `http://${HOST}` } }),
      () => ({ headers: { origin: 'https://app.example.com' } }),
      () => ({ headers: { origin: 'https://shop.example.org' } }),
    ]
    for (const make of cases) {
      const parts = make()
      const response = await logout(parts)
      assert.equal(response.statusCode, 200, `${JSON.stringify(parts)}: ${response.body}`)
      s = await loginCookies(t)
    }
  })
})

describe('CSRF over HTTPS behind a trusted proxy: the Referer check', () => {
  let t: TestApp
  let s: { access: string; refresh: string; csrf: string }
  before(async () => {
    t = await createTestApp({ TRUST_PROXY: 'true', CSRF_TRUSTED_ORIGINS: 'https://app.example.com', ALLOWED_HOSTS: `.localhost,${HOST}` })
    await createUser(t)
    s = await loginCookies(t)
  })
  after(() => t.close())

  const logout = (headers: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: LOGOUT,
      headers: { host: HOST, 'x-forwarded-proto': 'https', cookie: cookieHeader({ access_token: s.access, refresh_token: s.refresh, csrftoken: s.csrf }), 'x-csrftoken': s.csrf, ...headers },
    })

  const cases: [string, Record<string, string>, string][] = [
    ['no Referer', {}, 'Referer checking failed - no Referer.'],
    ['a foreign Referer', { referer: 'https://evil.example/page' }, 'Referer checking failed - https://evil.example/page does not match any trusted origins.'],
    ['an http:// Referer', { referer: `http://${HOST}/page` }, 'Referer checking failed - Referer is insecure while host is secure.'],
    ['a malformed Referer', { referer: 'not a url' }, 'Referer checking failed - Referer is malformed.'],
    ['a Referer on another port', { referer: `https://${HOST}:8443/` }, `Referer checking failed - https://${HOST}:8443/ does not match any trusted origins.`],
  ]
  for (const [name, headers, reason] of cases) {
    test(`${name} → "${reason}"`, async () => {
      const response = await logout(headers)
      assert.equal(response.statusCode, 403, response.body)
      assert.equal(response.json().detail, `CSRF Failed: ${reason}`)
    })
  }

  test('an http:// Origin on an https:// request fails the Origin check', async () => {
    const response = await logout({ origin: `http://${HOST}` })
    assert.equal(response.json().detail, `CSRF Failed: Origin checking failed - http://${HOST} does not match any trusted origins.`)
  })

  test('accepted: a same-origin Referer, a trusted Referer, a same-origin https Origin', async () => {
    const accepted: Record<string, string>[] = [{ referer: `https://${HOST}/app` }, { referer: 'https://app.example.com/' }, { origin: `https://${HOST}` }]
    for (const headers of accepted) {
      const response = await logout(headers)
      assert.equal(response.statusCode, 200, `${JSON.stringify(headers)}: ${response.body}`)
      s = await loginCookies(t)
    }
  })
})

describe('CSRF: X-Forwarded-Proto is ignored without TRUST_PROXY', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  test('a spoofed https proto does not make the request HTTPS: no Referer needed, cookies not Secure', async () => {
    const s = await loginCookies(t)
    const response = await t.app.inject({
      method: 'POST',
      url: LOGOUT,
      headers: { 'x-forwarded-proto': 'https', cookie: cookieHeader({ access_token: s.access, refresh_token: s.refresh, csrftoken: s.csrf }), 'x-csrftoken': s.csrf },
    })
    assert.equal(response.statusCode, 200, response.body)
    for (const line of [response.headers['set-cookie'] ?? []].flat()) assert.doesNotMatch(String(line), /Secure/)
  })
})

describe('CSRF is not asked of Bearer requests, nor of login and refresh (which check Origin only)', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  test('logout with Authorization: Bearer needs no CSRF token, even with cookies present', async () => {
    const s = await loginCookies(t)
    const response = await t.app.inject({
      method: 'POST',
      url: LOGOUT,
      headers: { authorization: `Bearer ${s.access}`, cookie: cookieHeader({ access_token: s.access, refresh_token: s.refresh }) },
    })
    assert.equal(response.statusCode, 200, response.body)
  })

  test('logout by cookie without a token is refused; the same request with the Bearer header passes', async () => {
    const s = await loginCookies(t)
    const cookie = cookieHeader({ access_token: s.access, refresh_token: s.refresh, csrftoken: s.csrf })
    const byCookie = await t.app.inject({ method: 'POST', url: LOGOUT, headers: { cookie } })
    assert.equal(byCookie.statusCode, 403)
    assert.equal(byCookie.json().detail, 'CSRF Failed: CSRF token missing.')
    const byBearer = await t.app.inject({ method: 'POST', url: LOGOUT, headers: { cookie, authorization: `Bearer ${s.access}` } })
    assert.equal(byBearer.statusCode, 200)
  })

  test('refresh takes no CSRF token but refuses a foreign Origin', async () => {
    const s = await loginCookies(t)
    const cookie = cookieHeader({ refresh_token: s.refresh })
    const foreign = await t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie, origin: 'https://evil.example' } })
    assert.equal(foreign.statusCode, 403)
    assert.equal(foreign.json().detail, 'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.')
    const plain = await t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie } })
    assert.equal(plain.statusCode, 200)
  })
})
