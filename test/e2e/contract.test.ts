import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { FetchJar } from './jar.js'
import { startServer, type RunningServer } from './server.js'

/**
 * docs/contract.md over real HTTP: `tessera serve` on a fresh SQLite file, a user made with `tessera createuser`,
 * and fetch with hand-kept cookies, as a black-box checker would do it.
 */
const FRONT = 'https://app.example.com'
const SECRET_KEY = 'e2e-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz'
const PASSWORD = 'correct horse battery'

let server: RunningServer
before(async () => {
  server = await startServer({ SECRET_KEY, CORS_ALLOWED_ORIGINS: FRONT, CSRF_TRUSTED_ORIGINS: FRONT, TRUST_PROXY: 'true' })
})
after(() => server?.stop())

class Jar extends FetchJar {
  constructor() {
    super(server.url)
  }
  login(username = 'alice', password = PASSWORD) {
    return this.fetch('/accounts/auth/login/', { method: 'POST', json: { username, password } })
  }
}

const setCookie = (response: Response, name: string) => response.headers.getSetCookie().find((l) => l.startsWith(`${name}=`))
const attributes = (line: string | undefined) => (line ?? '').split(/;\s*/).slice(1).map((a) => a.toLowerCase()).sort()
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

describe('e2e: routes and cookies', () => {
  test('GET / says what is running; /accounts/openapi.json lists the routes; /docs serves Swagger UI', async () => {
    const home = await fetch(`${server.url}/`)
    assert.equal(home.status, 200)
    assert.match(await home.text(), /Tessera/)
    const doc = await (await fetch(`${server.url}/accounts/openapi.json`)).json()
    for (const path of ['/accounts/csrf_token/', '/accounts/auth/login/', '/accounts/auth/refresh_token/', '/accounts/auth/logout/', '/accounts/user/']) {
      assert.ok(doc.paths[path], path)
    }
    const docs = await fetch(`${server.url}/docs`)
    assert.equal(docs.status, 200)
    assert.match(await docs.text(), /Swagger UI/)
  })

  test('csrf_token: 200 {token: 64 chars}, csrftoken cookie (not HttpOnly) only when absent, a new mask each call', async () => {
    const jar = new Jar()
    const first = await jar.fetch('/accounts/csrf_token/')
    assert.equal(first.status, 200)
    const { token } = await first.json()
    assert.match(token, /^[a-zA-Z0-9]{64}$/)
    assert.deepEqual(attributes(setCookie(first, 'csrftoken')), ['max-age=31449600', 'path=/', 'samesite=lax'])
    assert.match(jar.get('csrftoken')!, /^[a-zA-Z0-9]{32}$/)
    const second = await jar.fetch('/accounts/csrf_token/')
    assert.equal(setCookie(second, 'csrftoken'), undefined)
    assert.notEqual((await second.json()).token, token)
  })

  test('login (JSON): 200 {}, access and refresh cookies exactly as the cookie table, csrftoken rotated, SimpleJWT claims', async () => {
    const jar = new Jar()
    await jar.fetch('/accounts/csrf_token/')
    const before = jar.get('csrftoken')
    const response = await jar.login()
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), {})
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.deepEqual(attributes(setCookie(response, 'access_token')), ['httponly', 'max-age=900', 'path=/', 'samesite=lax'])
    assert.deepEqual(attributes(setCookie(response, 'refresh_token')), ['httponly', 'max-age=2592000', 'path=/accounts/auth/', 'samesite=lax'])
    assert.notEqual(jar.get('csrftoken'), before)
    const claims = payloadOf(jar.get('access_token')!)
    assert.equal(claims.token_type, 'access')
    assert.equal(claims.user_id, 1)
    assert.match(claims.jti, /^[0-9a-f]{32}$/)
    assert.equal(claims.exp - claims.iat, 900)
    assert.equal(typeof claims.sid, 'string')
    assert.equal(payloadOf(jar.get('refresh_token')!).token_type, 'refresh')
  })

  test('login (form-encoded) works too', async () => {
    const response = await fetch(`${server.url}/accounts/auth/login/`, { method: 'POST', body: new URLSearchParams({ username: 'alice', password: PASSWORD }) })
    assert.equal(response.status, 200)
    assert.ok(setCookie(response, 'access_token'))
  })

  test('login: 401 with one body for an unknown user and a wrong password; 400 for a missing field', async () => {
    const jar = new Jar()
    const unknown = await jar.login('mallory', PASSWORD)
    const wrong = await jar.login('alice', 'not the password')
    assert.equal(unknown.status, 401)
    assert.equal(wrong.status, 401)
    assert.deepEqual(await unknown.json(), await wrong.json())
    const missing = await jar.fetch('/accounts/auth/login/', { method: 'POST', json: { password: PASSWORD } })
    assert.equal(missing.status, 400)
    assert.deepEqual(await missing.json(), { username: ['This field is required.'] })
  })

  test('user: 200 by cookie and by Bearer; Bearer wins; 401 + WWW-Authenticate without credentials', async () => {
    const jar = new Jar()
    await jar.login()
    const me = await jar.fetch('/accounts/user/')
    assert.deepEqual(await me.json(), { id: 1, username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: '', email_verified: false })
    const bearer = await fetch(`${server.url}/accounts/user/`, { headers: { authorization: `Bearer ${jar.get('access_token')}` } })
    assert.equal(bearer.status, 200)
    const badBearer = await jar.fetch('/accounts/user/', { headers: { authorization: 'Bearer x.y.z' } })
    assert.equal(badBearer.status, 401, 'the header wins over a valid cookie')
    const anonymous = await fetch(`${server.url}/accounts/user/`)
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="api"')
    assert.deepEqual(await anonymous.json(), { detail: 'Authentication credentials were not provided.', code: 'not_authenticated' })
  })

  test('tampered, unsigned, other-algorithm and wrong-type tokens: 401 {detail, code: token_not_valid, messages}', async () => {
    const jar = new Jar()
    await jar.login()
    const access = jar.get('access_token')!
    const [h, p] = access.split('.')
    const claims = payloadOf(access)
    const hs512Input = `${b64({ alg: 'HS512', typ: 'JWT' })}.${p}`
    const tokens = [
      `${h}.${b64({ ...claims, user_id: 2 })}.${access.split('.')[2]}`,
      `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      `${hs512Input}.${createHmac('sha512', SECRET_KEY).update(hs512Input).digest('base64url')}`,
      jar.get('refresh_token')!,
      'garbage',
    ]
    for (const token of tokens) {
      const response = await fetch(`${server.url}/accounts/user/`, { headers: { cookie: `access_token=${token}` } })
      assert.equal(response.status, 401, token)
      const body = await response.json()
      assert.equal(body.detail, 'Given token not valid for any token type')
      assert.equal(body.code, 'token_not_valid')
      assert.ok(Array.isArray(body.messages) && body.messages.length > 0)
    }
  })
})

describe('e2e: CSRF, refresh and logout', () => {
  test('cookie-authenticated logout needs the CSRF token: every Django reason, then success', async () => {
    const jar = new Jar()
    await jar.login()
    const secret = jar.get('csrftoken')!
    const attempt = async (headers: Record<string, string>, reason: string) => {
      const response = await jar.fetch('/accounts/auth/logout/', { method: 'POST', headers })
      assert.equal(response.status, 403)
      assert.equal((await response.json()).detail, `CSRF Failed: ${reason}`)
    }
    await attempt({}, 'CSRF token missing.')
    await attempt({ 'x-csrftoken': 'a'.repeat(64) }, "CSRF token from the 'X-Csrftoken' HTTP header incorrect.")
    await attempt({ 'x-csrftoken': 'short' }, "CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.")
    await attempt({ 'x-csrftoken': secret, origin: 'https://evil.example' }, 'Origin checking failed - https://evil.example does not match any trusted origins.')
    await attempt({ 'x-csrftoken': secret, 'x-forwarded-proto': 'https' }, 'Referer checking failed - no Referer.')
    jar.delete('csrftoken')
    await attempt({ 'x-csrftoken': secret }, 'CSRF cookie not set.')
    jar.cookies.set('csrftoken', { value: secret, path: '/' })
    const ok = await jar.fetch('/accounts/auth/logout/', { method: 'POST', csrf: true, headers: { origin: FRONT } })
    assert.equal(ok.status, 200)
  })

  test('Bearer-authenticated logout needs no CSRF token', async () => {
    const jar = new Jar()
    await jar.login()
    const response = await fetch(`${server.url}/accounts/auth/logout/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jar.get('access_token')}`, cookie: `refresh_token=${jar.get('refresh_token')}` },
    })
    assert.equal(response.status, 200)
  })

  test('refresh: new access and refresh cookies; without a refresh cookie 403', async () => {
    const jar = new Jar()
    await jar.login()
    const old = jar.get('refresh_token')
    const response = await jar.fetch('/accounts/auth/refresh_token/', { method: 'POST' })
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), {})
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.deepEqual(attributes(setCookie(response, 'refresh_token')), ['httponly', 'max-age=2592000', 'path=/accounts/auth/', 'samesite=lax'])
    assert.notEqual(jar.get('refresh_token'), old)
    assert.equal((await jar.fetch('/accounts/user/')).status, 200)
    const none = await fetch(`${server.url}/accounts/auth/refresh_token/`, { method: 'POST' })
    assert.equal(none.status, 403)
    assert.equal(typeof (await none.json()).detail, 'string')
  })

  test('logout deletes both cookies (Max-Age=0, Expires 1970, same Path) and blacklists: refresh and access refused after', async () => {
    const jar = new Jar()
    await jar.login()
    const access = jar.get('access_token')!
    const refresh = jar.get('refresh_token')!
    const response = await jar.fetch('/accounts/auth/logout/', { method: 'POST', csrf: true })
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), {})
    for (const [name, path] of [['access_token', '/'], ['refresh_token', '/accounts/auth/']] as const) {
      const line = setCookie(response, name)!
      assert.match(line, new RegExp(`^${name}=;`))
      assert.match(line, /Max-Age=0/)
      assert.match(line, /Expires=Thu, 01 Jan 1970 00:00:00 GMT/)
      assert.match(line, new RegExp(`Path=${path.replace(/\//g, '\\/')}(;|$)`))
    }
    const replay = await fetch(`${server.url}/accounts/auth/refresh_token/`, { method: 'POST', headers: { cookie: `refresh_token=${refresh}` } })
    assert.equal(replay.status, 401)
    assert.equal((await replay.json()).code, 'token_not_valid')
    const me = await fetch(`${server.url}/accounts/user/`, { headers: { authorization: `Bearer ${access}` } })
    assert.equal(me.status, 401)
    const out = await fetch(`${server.url}/accounts/auth/logout/`, { method: 'POST' })
    assert.equal(out.status, 401)
  })
})

describe('e2e: errors, headers and CORS', () => {
  const post = (body: string, type: string) => fetch(`${server.url}/accounts/auth/login/`, { method: 'POST', headers: { 'content-type': type }, body })

  test('malformed JSON 400, wrong content type 415, body over 64 KiB 413, all {detail}', async () => {
    const cases: [Promise<Response>, number][] = [
      [post('{"username": ', 'application/json'), 400],
      [post('username=alice', 'text/plain'), 415],
      [post(JSON.stringify({ username: 'alice', password: 'x'.repeat(70 * 1024) }), 'application/json'), 413],
    ]
    for (const [pending, status] of cases) {
      const response = await pending
      assert.equal(response.status, status)
      assert.equal(typeof (await response.json()).detail, 'string')
    }
  })

  test('deep nesting and odd unicode are 4xx, never 500', async () => {
    for (const body of ['['.repeat(5000) + ']'.repeat(5000), '{"username": "\\ud800", "password": "x"}', '{"username": "a\\u0000", "password": "x"}', '{"username": "\u202Eecila", "password": "🔑"}']) {
      const response = await post(body, 'application/json')
      assert.ok(response.status >= 400 && response.status < 500, `${body.slice(0, 30)} → ${response.status}`)
      await response.arrayBuffer()
    }
  })

  test('unknown route 404 and wrong method 405, as JSON; nosniff everywhere', async () => {
    const notFound = await fetch(`${server.url}/accounts/nope/`)
    assert.equal(notFound.status, 404)
    assert.equal(typeof (await notFound.json()).detail, 'string')
    const wrongMethod = await fetch(`${server.url}/accounts/auth/login/`)
    assert.equal(wrongMethod.status, 405)
    assert.equal(typeof (await wrongMethod.json()).detail, 'string')
    for (const response of [notFound, wrongMethod, await fetch(`${server.url}/accounts/csrf_token/`), await fetch(`${server.url}/`)]) {
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', response.url)
    }
  })

  test('CORS: the allowed origin gets ACAO + credentials and X-CSRFToken in a preflight; another origin gets no ACAO', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/accounts/auth/logout/`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-csrftoken' },
      })
    const allowed = await preflight(FRONT)
    assert.equal(allowed.headers.get('access-control-allow-origin'), FRONT)
    assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true')
    assert.match(String(allowed.headers.get('access-control-allow-headers')), /x-csrftoken/i)
    const other = await preflight('https://evil.example')
    assert.equal(other.headers.get('access-control-allow-origin'), null)
  })
})
