import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { LOGIN, loginCookies, PASSWORD, USER } from './helpers.js'

const FRONT = 'https://app.example.com'

describe('CORS for the allow-list, with credentials', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ CORS_ALLOWED_ORIGINS: `${FRONT},http://localhost:5173`, CSRF_TRUSTED_ORIGINS: FRONT })
    await createUser(t)
  })
  after(() => t.close())

  const preflight = (origin: string, method = 'POST', headers = 'content-type,x-csrftoken') =>
    t.app.inject({ method: 'OPTIONS', url: LOGIN, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } })

  test('a preflight from a listed origin allows it, with credentials, X-CSRFToken and Content-Type', async () => {
    for (const origin of [FRONT, 'http://localhost:5173']) {
      const response = await preflight(origin)
      assert.ok(response.statusCode === 204 || response.statusCode === 200, String(response.statusCode))
      assert.equal(response.headers['access-control-allow-origin'], origin)
      assert.equal(response.headers['access-control-allow-credentials'], 'true')
      const allowed = String(response.headers['access-control-allow-headers']).toLowerCase().split(/\s*,\s*/)
      assert.ok(allowed.includes('x-csrftoken'), allowed.join())
      assert.ok(allowed.includes('content-type'), allowed.join())
      assert.match(String(response.headers['access-control-allow-methods']), /POST/)
    }
  })

  test('a preflight from an unlisted origin gets no Access-Control-Allow-Origin', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com', 'null']) {
      const response = await preflight(origin)
      // (@fastify/cors may still send Allow-Credentials; without a matching ACAO the browser refuses anyway.)
      assert.equal(response.headers['access-control-allow-origin'], undefined, origin)
    }
  })

  test('an actual cross-origin request from a listed origin gets ACAO + credentials, and Vary: Origin', async () => {
    const login = await t.app.inject({ method: 'POST', url: LOGIN, headers: { origin: FRONT }, payload: { username: 'alice', password: PASSWORD } })
    assert.equal(login.statusCode, 200, login.body)
    assert.equal(login.headers['access-control-allow-origin'], FRONT)
    assert.equal(login.headers['access-control-allow-credentials'], 'true')
    // Login also sets the CSRF cookie (Vary: Cookie): both must survive, or a cache could mix origins.
    assert.match(String(login.headers.vary), /origin/i)
    assert.match(String(login.headers.vary), /cookie/i)
  })

  test('an actual request from an unlisted origin gets no ACAO (the browser hides the response)', async () => {
    const { access } = await loginCookies(t)
    const response = await t.app.inject({ url: USER, headers: { origin: 'https://evil.example', cookie: `access_token=${access}` } })
    assert.equal(response.headers['access-control-allow-origin'], undefined)
  })

  test('never a wildcard ACAO, which credentials would forbid anyway', async () => {
    const response = await preflight(FRONT)
    assert.notEqual(response.headers['access-control-allow-origin'], '*')
  })
})

describe('CORS with an empty allow-list (the default)', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  test('no origin is allowed', async () => {
    const response = await t.app.inject({ method: 'OPTIONS', url: LOGIN, headers: { origin: FRONT, 'access-control-request-method': 'POST' } })
    assert.equal(response.headers['access-control-allow-origin'], undefined)
    assert.ok(response.statusCode < 500)
  })

  test('no CORS at all: a preflight is a route-less OPTIONS (404), and no answer carries an Access-Control header', async () => {
    const preflight = await t.app.inject({ method: 'OPTIONS', url: USER, headers: { origin: FRONT, 'access-control-request-method': 'GET' } })
    assert.equal(preflight.statusCode, 404)
    assert.deepEqual(preflight.json(), { detail: 'Not found.' })
    const read = await t.app.inject({ url: USER, headers: { origin: FRONT } })
    for (const response of [preflight, read]) {
      assert.deepEqual(Object.keys(response.headers).filter((name) => name.startsWith('access-control-')), [])
    }
  })
})

describe("CORS_ALLOW_HEADERS: django-cors-headers' default list, settable", () => {
  const preflight = (t: TestApp, headers: string) =>
    t.app.inject({ method: 'OPTIONS', url: LOGIN, headers: { origin: FRONT, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } })
  const allowed = (response: { headers: Record<string, unknown> }) => String(response.headers['access-control-allow-headers']).toLowerCase().split(/\s*,\s*/)

  test('by default a preflight with X-Requested-With (and every header of the list) passes', async () => {
    const t = await createTestApp({ CORS_ALLOWED_ORIGINS: FRONT })
    try {
      const response = await preflight(t, 'x-requested-with,x-csrftoken,content-type')
      assert.equal(response.headers['access-control-allow-origin'], FRONT)
      assert.deepEqual(allowed(response).sort(), ['accept', 'authorization', 'content-type', 'user-agent', 'x-csrftoken', 'x-requested-with'])
    } finally {
      await t.close()
    }
  })

  test('a set list replaces it; the CSRF header (CSRF_HEADER_NAME) is always among them', async () => {
    const t = await createTestApp({ CORS_ALLOWED_ORIGINS: FRONT, CORS_ALLOW_HEADERS: 'Content-Type,X-Client-Version', CSRF_HEADER_NAME: 'X-XSRF-TOKEN' })
    try {
      assert.deepEqual(allowed(await preflight(t, 'x-client-version')).sort(), ['content-type', 'x-client-version', 'x-xsrf-token'])
    } finally {
      await t.close()
    }
  })
})
