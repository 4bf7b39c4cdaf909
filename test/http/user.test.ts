import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, TEST_ENV, type TestApp } from '../support/app.js'
import { cookieHeader, decodeJwt, loginCookies, LOGOUT, PASSWORD, USER } from './helpers.js'

const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.', code: 'not_authenticated' }

function invalidToken(message: string) {
  return { detail: 'Given token not valid for any token type', code: 'token_not_valid', messages: [{ token_class: 'AccessToken', token_type: 'access', message }] }
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** A token with any header and claims, signed with HS256 under `secret` (or unsigned for alg none). */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, secret?: string): string {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${secret ? createHmac('sha256', secret).update(input).digest('base64url') : ''}`
}

describe('GET /accounts/user/ and access-token authentication', () => {
  let t: TestApp
  let clock = Date.now()
  let alice: { access: string; refresh: string; csrf: string }
  let bob: { access: string; refresh: string; csrf: string }
  before(async () => {
    t = await createTestApp({}, { now: () => clock })
    await createUser(t)
    await createUser(t, 'bob', PASSWORD, { first_name: 'Bob', last_name: 'Builder' })
    alice = await loginCookies(t)
    bob = await loginCookies(t, 'bob')
  })
  after(() => t.close())

  const me = (headers: Record<string, string>) => t.app.inject({ url: USER, headers })

  test('200 {id, username, first_name, last_name} with the access cookie, and (part 2) email, email_verified, nothing more', async () => {
    const response = await me({ cookie: `access_token=${alice.access}` })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), { id: 1, username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: '', email_verified: false })
  })

  test('200 with Authorization: Bearer <jwt> (scheme case-insensitive)', async () => {
    assert.equal((await me({ authorization: `Bearer ${alice.access}` })).json().username, 'alice')
    assert.equal((await me({ authorization: `bearer ${alice.access}` })).json().username, 'alice')
  })

  test('the Bearer header wins over the cookie', async () => {
    const response = await me({ authorization: `Bearer ${bob.access}`, cookie: `access_token=${alice.access}` })
    assert.equal(response.json().username, 'bob')
  })

  test('an invalid Bearer header is refused even when a valid cookie is present (no fallback)', async () => {
    const response = await me({ authorization: 'Bearer not-a-jwt', cookie: `access_token=${alice.access}` })
    assert.equal(response.statusCode, 401)
    assert.deepEqual(response.json(), invalidToken('Token is invalid'))
  })

  test('another Authorization scheme (Basic) is ignored: the cookie authenticates', async () => {
    const response = await me({ authorization: 'Basic YWxpY2U6eA==', cookie: `access_token=${alice.access}` })
    assert.equal(response.json().username, 'alice')
  })

  test('a Bearer header without exactly one token is a 401', async () => {
    for (const authorization of ['Bearer', 'Bearer a b']) {
      const response = await me({ authorization })
      assert.equal(response.statusCode, 401, authorization)
      assert.equal(response.json().code, 'token_not_valid')
    }
  })

  test('401 "not provided" with WWW-Authenticate: Bearer realm="api" when there is no credential', async () => {
    const anonymous: Record<string, string>[] = [{}, { cookie: 'access_token=' }, { cookie: 'other=1' }]
    for (const headers of anonymous) {
      const response = await me(headers)
      assert.equal(response.statusCode, 401)
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="api"')
      assert.deepEqual(response.json(), NOT_PROVIDED)
    }
  })

  test('a bad access token: 401 {detail, code: token_not_valid, messages: [...]} with WWW-Authenticate', async () => {
    const response = await me({ cookie: 'access_token=garbage' })
    assert.equal(response.statusCode, 401)
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="api"')
    assert.deepEqual(response.json(), invalidToken('Token is invalid'))
  })

  test('a refresh token is not an access token', async () => {
    const response = await me({ authorization: `Bearer ${alice.refresh}` })
    assert.equal(response.statusCode, 401)
    assert.deepEqual(response.json(), invalidToken('Token has wrong type'))
  })

  test('a token with a tampered payload (user_id of bob under alice’s signature) is refused', async () => {
    const [h, p, s] = alice.access.split('.')
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString())
    const forged = `${h}.${b64({ ...payload, user_id: 2 })}.${s}`
    assert.deepEqual((await me({ authorization: `Bearer ${forged}` })).json(), invalidToken('Token is invalid'))
  })

  test('alg none, HS512 and a wrong key are refused', async () => {
    const { header, payload } = decodeJwt(alice.access)
    const tokens = [
      forge({ alg: 'none', typ: 'JWT' }, payload),
      forge({ ...header, alg: 'none' }, payload),
      (() => {
        const input = `${b64({ ...header, alg: 'HS512' })}.${b64(payload)}`
        return `${input}.${createHmac('sha512', TEST_ENV.SECRET_KEY).update(input).digest('base64url')}`
      })(),
      forge(header, payload, 'another-secret-key-that-is-long-enough-for-hs256'),
      forge({ alg: 'HS256', kid: 'unknown' }, payload, TEST_ENV.SECRET_KEY),
    ]
    for (const token of tokens) {
      const response = await me({ authorization: `Bearer ${token}` })
      assert.equal(response.statusCode, 401, token)
      assert.equal(response.json().code, 'token_not_valid')
    }
  })

  test('a token without a session id is refused (every Tessera access token carries one)', async () => {
    const { header, payload } = decodeJwt(alice.access)
    const { sid: _sid, ...sessionless } = payload
    const response = await me({ authorization: `Bearer ${forge(header, sessionless, TEST_ENV.SECRET_KEY)}` })
    assert.equal(response.statusCode, 401)
  })

  test('an expired access token: 401 "Token is expired"', async () => {
    const fresh = await loginCookies(t)
    clock += 901_000
    try {
      const response = await me({ cookie: `access_token=${fresh.access}` })
      assert.equal(response.statusCode, 401)
      assert.deepEqual(response.json(), invalidToken('Token is expired'))
    } finally {
      clock -= 901_000
    }
  })

  test('GET needs no CSRF token even when cookie-authenticated (safe method)', async () => {
    const response = await t.app.inject({ url: USER, headers: { cookie: cookieHeader({ access_token: alice.access }), origin: 'https://evil.example' } })
    assert.equal(response.statusCode, 200)
  })

  test('HEAD works like GET, without a body', async () => {
    const response = await t.app.inject({ method: 'HEAD', url: USER, headers: { cookie: `access_token=${alice.access}` } })
    assert.equal(response.statusCode, 200)
    assert.equal(response.body, '')
  })

  test('a user deactivated by an operator is refused at once', async () => {
    const dave = await createUser(t, 'dave', PASSWORD)
    const { access } = await loginCookies(t, 'dave')
    assert.equal((await me({ authorization: `Bearer ${access}` })).statusCode, 200)
    await t.app.tessera.setActive(dave.id, false)
    const response = await me({ authorization: `Bearer ${access}` })
    assert.equal(response.statusCode, 401)
  })

  test('a user deactivated in the database by hand (no session revoked) is refused once the user cache expires (5 s)', async () => {
    const erin = await createUser(t, 'erin', PASSWORD)
    const { access } = await loginCookies(t, 'erin')
    assert.equal((await me({ authorization: `Bearer ${access}` })).statusCode, 200, 'erin is now in the cache')
    assert.equal(await t.opened.store.updateUser(erin.id, { is_active: false }), true)
    assert.equal((await me({ authorization: `Bearer ${access}` })).statusCode, 200, 'within USER_CACHE_TTL the cached row answers')
    clock += 5_001
    const response = await me({ authorization: `Bearer ${access}` })
    assert.equal(response.statusCode, 401, 'past it the row is read again')
  })

  test('after logout the access token is refused', async () => {
    const { access, refresh, csrf } = await loginCookies(t)
    const out = await t.app.inject({ method: 'POST', url: LOGOUT, headers: { authorization: `Bearer ${access}`, cookie: cookieHeader({ refresh_token: refresh, csrftoken: csrf }) } })
    assert.equal(out.statusCode, 200)
    const response = await me({ authorization: `Bearer ${access}` })
    assert.equal(response.statusCode, 401)
    assert.equal(response.json().code, 'token_not_valid')
    assert.ok(Array.isArray(response.json().messages))
  })
})
