import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generateSecret, maskSecret, unmaskToken } from '../../src/csrf/index.js'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, cookiesOf, CSRF_TOKEN, loginCookies, LOGOUT } from './helpers.js'

describe('GET /accounts/csrf_token/', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  const get = (cookie?: string) => t.app.inject({ url: CSRF_TOKEN, headers: cookie === undefined ? {} : { cookie: `csrftoken=${cookie}` } })

  test('200 {"token": <64-char masked token>} and a csrftoken cookie holding its 32-char secret, when absent', async () => {
    const response = await get()
    assert.equal(response.statusCode, 200)
    assert.match(response.headers['content-type'] as string, /^application\/json/)
    const body = response.json()
    assert.deepEqual(Object.keys(body), ['token'])
    assert.match(body.token, /^[a-zA-Z0-9]{64}$/)
    const secret = cookiesOf(response).csrftoken!.value
    assert.match(secret, /^[a-zA-Z0-9]{32}$/)
    assert.equal(unmaskToken(body.token), secret)
  })

  test('every call returns a different masked token for the same secret (BREACH)', async () => {
    const secret = generateSecret()
    const tokens = new Set<string>()
    for (let i = 0; i < 10; i++) {
      const response = await get(secret)
      const { token } = response.json()
      assert.equal(unmaskToken(token), secret)
      tokens.add(token)
    }
    assert.equal(tokens.size, 10)
  })

  test('a valid cookie is kept: no Set-Cookie', async () => {
    const response = await get(generateSecret())
    assert.equal(response.headers['set-cookie'], undefined)
  })

  test('an invalid cookie (bad length or characters, empty) is replaced with a fresh secret', async () => {
    for (const bad of ['short', 'x'.repeat(33), '!'.repeat(32), '€'.repeat(32), '']) {
      const response = await get(encodeURIComponent(bad))
      const fresh = cookiesOf(response).csrftoken?.value
      assert.ok(fresh, `a new cookie for '${bad}'`)
      assert.match(fresh, /^[a-zA-Z0-9]{32}$/)
      assert.equal(unmaskToken(response.json().token), fresh)
    }
  })

  test('a legacy 64-char masked cookie (Django < 4.1) is replaced by its unmasked secret', async () => {
    const secret = generateSecret()
    const legacy = maskSecret(secret)
    const response = await get(legacy)
    assert.equal(cookiesOf(response).csrftoken!.value, secret)
    assert.equal(unmaskToken(response.json().token), secret)
  })

  test('is never cached, and varies on Cookie', async () => {
    const response = await get()
    assert.equal(response.headers['cache-control'], 'no-store')
    assert.match(String(response.headers.vary), /cookie/i)
  })

  test('the returned token passes the CSRF check of a cookie-authenticated POST (masked and bare forms)', async () => {
    for (const form of ['masked', 'bare'] as const) {
      const { access, refresh } = await loginCookies(t)
      const token = await get()
      const secret = cookiesOf(token).csrftoken!.value
      const header = form === 'masked' ? token.json().token : secret
      const response = await t.app.inject({
        method: 'POST',
        url: LOGOUT,
        headers: { cookie: cookieHeader({ access_token: access, refresh_token: refresh, csrftoken: secret }), 'x-csrftoken': header },
      })
      assert.equal(response.statusCode, 200, `${form}: ${response.body}`)
    }
  })
})
