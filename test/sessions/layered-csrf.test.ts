import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'

const LOGIN = '/accounts/auth/login/'
const REFRESH = '/accounts/auth/refresh_token/'
const credentials = { username: 'alice', password: 'correct horse battery' }

describe('login CSRF, refresh CSRF and Fetch Metadata', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ CSRF_TRUSTED_ORIGINS: 'https://app.example.com,https://*.trusted.example' })
    await createUser(t)
  })
  after(() => t.close())

  const refused = (response: { statusCode: number; headers: Record<string, unknown>; json(): { detail: string } }, reason: RegExp) => {
    assert.equal(response.statusCode, 403)
    assert.match(response.json().detail, reason)
    assert.equal(response.headers['set-cookie'], undefined, 'no cookie is set on a refused request')
  }

  test('login from an untrusted Origin is refused (attacker logging the victim into the attacker account)', async () => {
    const response = await t.app.inject({ method: 'POST', url: LOGIN, payload: credentials, headers: { origin: 'https://evil.example' } })
    refused(response, /^CSRF Failed: Origin checking failed - https:\/\/evil.example does not match any trusted origins\.$/)
  })

  test('a form-encoded cross-site login is refused the same way', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: LOGIN,
      payload: 'username=alice&password=correct+horse+battery',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:9999', 'sec-fetch-site': 'same-site' },
    })
    refused(response, /Origin checking failed/)
  })

  test('a null Origin (sandboxed frame, data: URL) is refused on login', async () => {
    refused(await t.app.inject({ method: 'POST', url: LOGIN, payload: credentials, headers: { origin: 'null' } }), /Origin checking failed - null/)
  })

  test('login from the own origin, a trusted origin, a wildcard-trusted subdomain, or no Origin (API client) works', async () => {
    for (const origin of ['http://localhost:80', 'https://app.example.com', 'https://eu.trusted.example', undefined]) {
      const headers: Record<string, string> = { host: 'localhost:80' }
      if (origin) headers.origin = origin
      const response = await t.app.inject({ method: 'POST', url: LOGIN, payload: credentials, headers })
      assert.equal(response.statusCode, 200, `origin ${origin}`)
    }
  })

  test('refresh from an untrusted Origin is refused and the session keeps its token', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const token = jar.get('refresh_token')!
    refused(await jar.request('POST', REFRESH, { headers: { origin: 'https://evil.example' } }), /Origin checking failed/)
    refused(await jar.request('POST', REFRESH, { headers: { origin: 'null' } }), /Origin checking failed/)
    assert.equal(jar.get('refresh_token'), token)
    assert.equal((await jar.request('POST', REFRESH)).statusCode, 200, 'the token was not used up by the attack')
  })

  test('Sec-Fetch-Site: cross-site from an untrusted origin is refused before the token check, even with a valid token', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const response = await jar.request('POST', '/accounts/auth/logout/', { csrf: true, headers: { 'sec-fetch-site': 'cross-site' } })
    assert.equal(response.statusCode, 403)
    assert.equal(response.json().detail, 'CSRF Failed: Cross-site request refused (Sec-Fetch-Site: cross-site).')
    assert.equal((await jar.request('GET', '/accounts/user/')).statusCode, 200, 'still logged in')
  })

  test('Sec-Fetch-Site: cross-site is allowed from a trusted origin (with the token)', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const response = await jar.request('POST', '/accounts/auth/logout/', { csrf: true, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://app.example.com' } })
    assert.equal(response.statusCode, 200)
  })

  test('Sec-Fetch-Site: same-origin never replaces the token', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const response = await jar.request('POST', '/accounts/auth/logout/', { headers: { 'sec-fetch-site': 'same-origin' } })
    assert.equal(response.statusCode, 403)
    assert.equal(response.json().detail, 'CSRF Failed: CSRF token missing.')
  })

  test('a null Origin is refused on cookie-authenticated unsafe requests, even with the token', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const response = await jar.request('POST', '/accounts/auth/logout_all/', { csrf: true, headers: { origin: 'null' } })
    assert.equal(response.statusCode, 403)
    assert.match(response.json().detail, /Origin checking failed - null/)
  })

  test('Bearer-authenticated requests need no CSRF token (browsers never attach that header cross-site)', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const response = await t.app.inject({ method: 'POST', url: '/accounts/auth/logout_all/', headers: { authorization: `Bearer ${jar.get('access_token')}` } })
    assert.equal(response.statusCode, 200)
  })
})
