import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookiesOf, decodeJwt, loginCookies, PASSWORD, REFRESH, USER } from './helpers.js'

const refreshWith = (t: TestApp, token?: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: REFRESH, headers: { ...(token !== undefined && { cookie: `refresh_token=${token}` }), ...headers } })

function assertTokenNotValid(response: Awaited<ReturnType<typeof refreshWith>>) {
  assert.equal(response.statusCode, 401, response.body)
  const body = response.json()
  assert.equal(body.code, 'token_not_valid')
  assert.equal(typeof body.detail, 'string')
  assert.equal(body.messages, undefined, 'the refresh endpoint answers {detail, code}, as SimpleJWT views do')
  assert.equal(response.headers['set-cookie'], undefined)
}

describe('POST /accounts/auth/refresh_token/ with rotation on (the default)', () => {
  let t: TestApp
  let clock = Date.now()
  before(async () => {
    t = await createTestApp({}, { now: () => clock })
    await createUser(t)
  })
  after(() => t.close())

  test('200 {} with a new access_token and a new refresh_token, same session, never cached', async () => {
    const s = await loginCookies(t)
    clock += 1000
    const response = await refreshWith(t, s.refresh)
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), {})
    assert.equal(response.headers['cache-control'], 'no-store')
    const c = cookiesOf(response)
    assert.notEqual(c.access_token!.value, s.access)
    assert.notEqual(c.refresh_token!.value, s.refresh)
    const access = decodeJwt(c.access_token!.value).payload
    const refresh = decodeJwt(c.refresh_token!.value).payload
    assert.equal(access.token_type, 'access')
    assert.equal(refresh.token_type, 'refresh')
    assert.equal(access.sid, decodeJwt(s.access).payload.sid)
    assert.equal(refresh.sid, access.sid)
    assert.notEqual(refresh.jti, decodeJwt(s.refresh).payload.jti)
    const me = await t.app.inject({ url: USER, headers: { cookie: `access_token=${c.access_token!.value}` } })
    assert.equal(me.statusCode, 200)
  })

  test('the rotated-out refresh token: its own client gets the successor again at any time; another client kills the session', async () => {
    const s = await loginCookies(t)
    const first = await refreshWith(t, s.refresh)
    const successor = cookiesOf(first).refresh_token!.value
    clock += 11_000
    // A reply that never arrived, retried by the same client after the window: not theft.
    const retry = await refreshWith(t, s.refresh)
    assert.equal(retry.statusCode, 200, retry.body)
    assert.equal(cookiesOf(retry).refresh_token!.value, successor)
    // The same parent from another User-Agent is a replay: the successor dies with the session.
    assertTokenNotValid(await refreshWith(t, s.refresh, { 'user-agent': 'curl/8.0' }))
    assertTokenNotValid(await refreshWith(t, successor))
  })

  test('a front end that sends Content-Type: application/json with no body (or {}) is served, as DRF serves it', async () => {
    const s = await loginCookies(t)
    const empty = await refreshWith(t, s.refresh, { 'content-type': 'application/json' })
    assert.equal(empty.statusCode, 200, empty.body)
    const next = cookiesOf(empty).refresh_token!.value
    const braces = await t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie: `refresh_token=${next}`, 'content-type': 'application/json' }, payload: '{}' })
    assert.equal(braces.statusCode, 200, braces.body)
  })

  test('refresh does not rotate the CSRF cookie', async () => {
    const s = await loginCookies(t)
    assert.equal(cookiesOf(await refreshWith(t, s.refresh)).csrftoken, undefined)
  })

  test('403 {detail} without a refresh cookie', async () => {
    const response = await refreshWith(t)
    assert.equal(response.statusCode, 403)
    assert.equal(typeof response.json().detail, 'string')
    assert.equal((await refreshWith(t, '')).statusCode, 403)
  })

  test('an access token in the refresh cookie is refused (wrong token_type)', async () => {
    const s = await loginCookies(t)
    assertTokenNotValid(await refreshWith(t, s.access))
  })

  test('garbage, a tampered token and an unsigned token are refused with 401 {detail, code}', async () => {
    const s = await loginCookies(t)
    const [h, p] = s.refresh.split('.')
    for (const token of ['garbage', `${h}.${p}.`, `${h}.${p}.AAAA`, 'a.b.c', 'x'.repeat(5000)]) assertTokenNotValid(await refreshWith(t, token))
  })

  test('an expired refresh token is refused', async () => {
    const s = await loginCookies(t)
    clock += 30 * 86400_000 + 1000
    try {
      const response = await refreshWith(t, s.refresh)
      assertTokenNotValid(response)
      assert.match(response.json().detail, /expired/i)
    } finally {
      clock -= 30 * 86400_000 + 1000
    }
  })

  test('an inactive user cannot refresh', async () => {
    const bob = await createUser(t, 'bob', PASSWORD)
    const s = await loginCookies(t, 'bob')
    await t.app.tessera.setActive(bob.id, false)
    const response = await refreshWith(t, s.refresh)
    assert.equal(response.statusCode, 401)
    assert.equal(response.headers['set-cookie'], undefined)
  })

  test('an inactive user cannot refresh even when only the database row changed (no session revocation)', async () => {
    const carol = await createUser(t, 'carol', PASSWORD)
    const s = await loginCookies(t, 'carol')
    await t.opened.store.updateUser(carol.id, { is_active: false })
    const response = await refreshWith(t, s.refresh)
    assert.equal(response.statusCode, 401)
    assert.equal(response.headers['set-cookie'], undefined)
  })
})

describe('POST /accounts/auth/refresh_token/ with ROTATE_REFRESH_TOKENS=false', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ROTATE_REFRESH_TOKENS: 'false' })
    await createUser(t)
  })
  after(() => t.close())

  test('200 {} with a new access_token only; the same refresh token keeps working', async () => {
    const s = await loginCookies(t)
    for (let i = 0; i < 3; i++) {
      const response = await refreshWith(t, s.refresh)
      assert.equal(response.statusCode, 200, response.body)
      assert.deepEqual(response.json(), {})
      const c = cookiesOf(response)
      assert.deepEqual(Object.keys(c), ['access_token'])
      assert.equal(decodeJwt(c.access_token!.value).payload.sid, decodeJwt(s.refresh).payload.sid)
    }
  })

  test('after logout the refresh token is refused', async () => {
    const s = await loginCookies(t)
    const out = await t.app.inject({ method: 'POST', url: '/accounts/auth/logout/', headers: { cookie: `refresh_token=${s.refresh}; csrftoken=${s.csrf}`, 'x-csrftoken': s.csrf } })
    assert.equal(out.statusCode, 200)
    assertTokenNotValid(await refreshWith(t, s.refresh))
  })
})

describe('the per-address refresh budget', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '60' })
  })
  after(() => t.close())

  test('70 failing refreshes from one address, then a valid one from the same address: 200 (only failures are throttled)', async () => {
    await createUser(t)
    const s = await loginCookies(t)
    const failures = []
    for (let i = 0; i < 70; i++) failures.push((await refreshWith(t, `bogus.${i}.token`)).statusCode)
    assert.deepEqual(new Set(failures), new Set([401, 429]), 'the failing ones are refused, then throttled')
    assert.equal(failures.at(-1), 429)
    const valid = await refreshWith(t, s.refresh)
    assert.equal(valid.statusCode, 200, valid.body)
  })
})
