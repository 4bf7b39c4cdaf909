import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, cookiesOf, CSRF_TOKEN, LOGIN, loginCookies, LOGOUT, PASSWORD, REFRESH, setCookieLine } from './helpers.js'

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/

/** Attribute names of a Set-Cookie line, lower-cased and sorted (flags included). */
const attributeNames = (line: string) => line.split(/;\s*/).slice(1).map((a) => a.split('=')[0]!.toLowerCase()).sort()

describe("cookies: the cookie table of docs/contract.md, exactly", () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  test('login sets access_token: HttpOnly; SameSite=Lax; Path=/; Max-Age=900 (and nothing else)', async () => {
    const response = await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } })
    const line = setCookieLine(response, 'access_token')!
    assert.match(line.split(';')[0]!.slice('access_token='.length), JWT)
    assert.deepEqual(attributeNames(line), ['httponly', 'max-age', 'path', 'samesite'])
    assert.deepEqual(cookiesOf(response).access_token!.attributes, { 'max-age': '900', path: '/', httponly: true, samesite: 'Lax' })
  })

  test('login sets refresh_token: HttpOnly; SameSite=Lax; Path=/accounts/auth/; Max-Age=2592000', async () => {
    const response = await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } })
    const c = cookiesOf(response).refresh_token!
    assert.match(c.value, JWT)
    assert.deepEqual(c.attributes, { 'max-age': '2592000', path: '/accounts/auth/', httponly: true, samesite: 'Lax' })
  })

  test('csrftoken: a 32-char secret; SameSite=Lax; Path=/; Max-Age=31449600; NOT HttpOnly', async () => {
    for (const response of [
      await t.app.inject({ url: CSRF_TOKEN }),
      await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } }),
    ]) {
      const c = cookiesOf(response).csrftoken!
      assert.match(c.value, /^[a-zA-Z0-9]{32}$/)
      assert.deepEqual(c.attributes, { 'max-age': '31449600', path: '/', samesite: 'Lax' })
      assert.equal((c.attributes as Record<string, unknown>).httponly, undefined, 'the front end must be able to read it')
    }
  })

  test('refresh (rotation on) sets a new access_token and refresh_token with the same attributes', async () => {
    const { refresh } = await loginCookies(t)
    const response = await t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie: cookieHeader({ refresh_token: refresh }) } })
    assert.equal(response.statusCode, 200)
    const c = cookiesOf(response)
    assert.deepEqual(Object.keys(c).sort(), ['access_token', 'refresh_token'])
    assert.deepEqual(c.access_token!.attributes, { 'max-age': '900', path: '/', httponly: true, samesite: 'Lax' })
    assert.deepEqual(c.refresh_token!.attributes, { 'max-age': '2592000', path: '/accounts/auth/', httponly: true, samesite: 'Lax' })
  })

  test('logout deletes both cookies: empty value, Max-Age=0, Expires in 1970, the same Path', async () => {
    const { access, refresh, csrf } = await loginCookies(t)
    const response = await t.app.inject({
      method: 'POST',
      url: LOGOUT,
      headers: { cookie: cookieHeader({ access_token: access, refresh_token: refresh, csrftoken: csrf }), 'x-csrftoken': csrf },
    })
    assert.equal(response.statusCode, 200)
    const c = cookiesOf(response)
    for (const [name, path] of [['access_token', '/'], ['refresh_token', '/accounts/auth/']] as const) {
      const cookie = c[name]!
      assert.equal(cookie.value, '', name)
      assert.equal(cookie.attributes['max-age'], '0', name)
      assert.equal(cookie.attributes.path, path, name)
      assert.equal(new Date(String(cookie.attributes.expires)).getTime(), 0, `${name}: Expires=${String(cookie.attributes.expires)}`)
      assert.match(String(cookie.attributes.expires), /1970/)
    }
    assert.equal(c.csrftoken, undefined, 'logout leaves the CSRF cookie alone')
  })
})

describe('cookies: Secure over HTTPS (behind a trusted proxy)', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ TRUST_PROXY: 'true' })
    await createUser(t)
  })
  after(() => t.close())

  test('every cookie set over HTTPS is Secure', async () => {
    const https = { 'x-forwarded-proto': 'https' }
    const login = await t.app.inject({ method: 'POST', url: LOGIN, headers: https, payload: { username: 'alice', password: PASSWORD } })
    assert.equal(login.statusCode, 200)
    for (const [name, c] of Object.entries(cookiesOf(login))) assert.equal(c.attributes.secure, true, name)
    const token = await t.app.inject({ url: CSRF_TOKEN, headers: https })
    assert.equal(cookiesOf(token).csrftoken!.attributes.secure, true)
  })

  test('the same request over plain HTTP gets no Secure flag', async () => {
    const login = await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } })
    for (const [name, c] of Object.entries(cookiesOf(login))) assert.equal(c.attributes.secure, undefined, name)
  })
})

describe('cookies: names, domain, SameSite and lifetimes are settings', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({
      AUTH_COOKIE_ACCESS: 'at',
      AUTH_COOKIE_REFRESH: 'rt',
      CSRF_COOKIE_NAME: 'xsrf',
      AUTH_COOKIE_DOMAIN: 'example.com',
      AUTH_COOKIE_SAMESITE: 'Strict',
      AUTH_COOKIE_SECURE: 'true',
      ACCESS_TOKEN_LIFETIME: '5m',
      REFRESH_TOKEN_LIFETIME: '1d',
    })
    await createUser(t)
  })
  after(() => t.close())

  test('login and logout use the configured names, Domain, SameSite and Max-Age; deletion keeps Path and Domain', async () => {
    const login = await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } })
    const c = cookiesOf(login)
    assert.deepEqual(Object.keys(c).sort(), ['at', 'rt', 'xsrf'])
    assert.deepEqual(c.at!.attributes, { 'max-age': '300', domain: 'example.com', path: '/', httponly: true, secure: true, samesite: 'Strict' })
    assert.deepEqual(c.rt!.attributes, { 'max-age': '86400', domain: 'example.com', path: '/accounts/auth/', httponly: true, secure: true, samesite: 'Strict' })

    const logout = await t.app.inject({
      method: 'POST',
      url: LOGOUT,
      headers: { cookie: cookieHeader({ at: c.at!.value, rt: c.rt!.value, xsrf: c.xsrf!.value }), 'x-csrftoken': c.xsrf!.value },
    })
    assert.equal(logout.statusCode, 200, logout.body)
    const gone = cookiesOf(logout)
    assert.equal(gone.at!.attributes.domain, 'example.com')
    assert.equal(gone.rt!.attributes.domain, 'example.com')
    assert.equal(gone.rt!.attributes.path, '/accounts/auth/')
    assert.equal(gone.rt!.attributes['max-age'], '0')
  })
})
