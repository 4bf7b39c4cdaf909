import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, cookiesOf, loginCookies, LOGOUT, REFRESH, USER } from './helpers.js'

describe('POST /accounts/auth/logout/', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  const logout = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: LOGOUT, headers })
  const byCookie = (s: { access?: string; refresh?: string; csrf: string }) =>
    logout({ cookie: cookieHeader({ access_token: s.access, refresh_token: s.refresh, csrftoken: s.csrf }), 'x-csrftoken': s.csrf })

  test('200 {}, deletes both cookies, never cached', async () => {
    const response = await byCookie(await loginCookies(t))
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), {})
    assert.equal(response.headers['cache-control'], 'no-store')
    const c = cookiesOf(response)
    assert.equal(c.access_token?.attributes['max-age'], '0')
    assert.equal(c.refresh_token?.attributes['max-age'], '0')
  })

  test('accepts an empty body labelled application/json (DRF reads it as no data)', async () => {
    const s = await loginCookies(t)
    const response = await logout({ cookie: cookieHeader({ access_token: s.access, refresh_token: s.refresh, csrftoken: s.csrf }), 'x-csrftoken': s.csrf, 'content-type': 'application/json' })
    assert.equal(response.statusCode, 200, response.body)
  })

  test('blacklists the refresh token: refresh with it afterwards is 401 token_not_valid', async () => {
    const s = await loginCookies(t)
    assert.equal((await byCookie(s)).statusCode, 200)
    const response = await t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie: `refresh_token=${s.refresh}` } })
    assert.equal(response.statusCode, 401)
    assert.equal(response.json().code, 'token_not_valid')
  })

  test('the access token dies too, at once (cookie and Bearer)', async () => {
    const s = await loginCookies(t)
    assert.equal((await byCookie(s)).statusCode, 200)
    for (const headers of [{ cookie: `access_token=${s.access}` }, { authorization: `Bearer ${s.access}` }]) {
      const me = await t.app.inject({ url: USER, headers })
      assert.equal(me.statusCode, 401)
      assert.equal(me.json().detail, 'Given token not valid for any token type')
    }
  })

  test('other sessions of the same user live on', async () => {
    const keep = await loginCookies(t)
    assert.equal((await byCookie(await loginCookies(t))).statusCode, 200)
    assert.equal((await t.app.inject({ url: USER, headers: { authorization: `Bearer ${keep.access}` } })).statusCode, 200)
  })

  test('a second logout with the same refresh token is refused (already blacklisted)', async () => {
    const s = await loginCookies(t)
    assert.equal((await byCookie(s)).statusCode, 200)
    const again = await byCookie({ refresh: s.refresh, csrf: s.csrf })
    assert.equal(again.statusCode, 401)
    assert.equal(again.json().code, 'token_not_valid')
  })

  test('403 {detail} for a cookie-authenticated logout without a refresh cookie; nothing revoked', async () => {
    const s = await loginCookies(t)
    const response = await byCookie({ access: s.access, csrf: s.csrf })
    assert.equal(response.statusCode, 403, response.body)
    assert.equal(typeof response.json().detail, 'string')
    assert.equal((await t.app.inject({ url: USER, headers: { authorization: `Bearer ${s.access}` } })).statusCode, 200, 'nothing was revoked')
  })

  test('a Bearer logout (no refresh cookie, as an API client holds none) ends the session its token names', async () => {
    const s = await loginCookies(t)
    const other = await loginCookies(t)
    const response = await logout({ authorization: `Bearer ${s.access}` })
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(response.json(), {})
    assert.equal((await t.app.inject({ url: USER, headers: { authorization: `Bearer ${s.access}` } })).statusCode, 401, 'its access token is dead')
    assert.equal((await t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie: `refresh_token=${s.refresh}` } })).statusCode, 401, 'and its refresh token')
    assert.equal((await t.app.inject({ url: USER, headers: { authorization: `Bearer ${other.access}` } })).statusCode, 200, 'another session lives')
  })

  test('401 with no credential at all', async () => {
    const response = await logout({})
    assert.equal(response.statusCode, 401)
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="api"')
  })

  test('with only the refresh cookie (the access token expired) it still logs out, with the CSRF token', async () => {
    const s = await loginCookies(t)
    const response = await byCookie({ refresh: s.refresh, csrf: s.csrf })
    assert.equal(response.statusCode, 200)
    assert.equal((await t.app.inject({ url: USER, headers: { authorization: `Bearer ${s.access}` } })).statusCode, 401)
  })

  test('a cross-site logout with only the refresh cookie (no access cookie, no CSRF token) is refused; the session lives on', async () => {
    const s = await loginCookies(t)
    const response = await logout({ cookie: cookieHeader({ refresh_token: s.refresh, csrftoken: s.csrf }) })
    assert.equal(response.statusCode, 403, response.body)
    assert.equal(response.json().detail, 'CSRF Failed: CSRF token missing.')
    assert.equal((await t.app.inject({ url: USER, headers: { authorization: `Bearer ${s.access}` } })).statusCode, 200, 'nothing was revoked')
  })

  test('a forged refresh cookie is refused and ends no session', async () => {
    const s = await loginCookies(t)
    const [h, p] = s.refresh.split('.')
    const response = await byCookie({ refresh: `${h}.${p}.forged`, csrf: s.csrf })
    assert.equal(response.statusCode, 401)
    assert.equal((await t.app.inject({ url: USER, headers: { authorization: `Bearer ${s.access}` } })).statusCode, 200)
  })
})
