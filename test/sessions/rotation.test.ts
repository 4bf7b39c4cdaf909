import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'

const REFRESH = '/accounts/auth/refresh_token/'

/** Presents exactly `token` as the refresh cookie (an attacker's replay, or a second tab). */
async function refreshWith(t: TestApp, token: string) {
  return t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie: `refresh_token=${token}` } })
}

/** A refresh as a given client makes it: its CSRF cookie (if any) and its User-Agent. */
async function refreshAs(t: TestApp, token: string, client: { csrftoken?: string | undefined; ua?: string }) {
  const cookie = `refresh_token=${token}${client.csrftoken === undefined ? '' : `; csrftoken=${client.csrftoken}`}`
  return t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie, ...(client.ua && { 'user-agent': client.ua }) } })
}

const setCookie = (response: { headers: Record<string, unknown> }, name: string): string | undefined => {
  const lines = [response.headers['set-cookie'] ?? []].flat() as string[]
  const line = lines.find((l) => l.startsWith(`${name}=`))
  return line?.slice(name.length + 1).split(';')[0]
}

describe('refresh rotation with reuse detection', () => {
  let t: TestApp
  let clock = Date.now()
  before(async () => {
    t = await createTestApp({ REFRESH_REUSE_GRACE: '10s' }, { now: () => clock })
    await createUser(t)
  })
  after(() => t.close())

  test('two rotations, then a replay of the first token revokes the session and kills the newest token', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const first = jar.get('refresh_token')!
    assert.equal((await jar.request('POST', REFRESH)).statusCode, 200)
    assert.equal((await jar.request('POST', REFRESH)).statusCode, 200)
    const newest = jar.get('refresh_token')!
    const access = jar.get('access_token')!

    const replay = await refreshWith(t, first)
    assert.equal(replay.statusCode, 401)
    assert.equal(replay.json().code, 'token_not_valid')
    assert.equal(setCookie(replay, 'refresh_token'), undefined, 'a refused refresh sets no cookie')

    assert.equal((await refreshWith(t, newest)).statusCode, 401, 'the live token died with its session')
    const me = await t.app.inject({ url: '/accounts/user/', headers: { authorization: `Bearer ${access}` } })
    assert.equal(me.statusCode, 401, "the session's access token died too")
  })

  test('two tabs refreshing at once with one token both get 200 and the same successor; the session lives', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const token = jar.get('refresh_token')!
    const [a, b] = await Promise.all([refreshWith(t, token), refreshWith(t, token)])
    assert.equal(a.statusCode, 200)
    assert.equal(b.statusCode, 200)
    const successor = setCookie(a, 'refresh_token')
    assert.ok(successor)
    assert.equal(setCookie(b, 'refresh_token'), successor, 'both racers end up with the same refresh cookie')
    assert.equal((await refreshWith(t, successor)).statusCode, 200, 'the session is alive')
  })

  test('the same client replaying the immediate parent gets the live successor again, in the window and long after (a lost reply)', async () => {
    for (const wait of [5_000, 3_600_000]) {
      const jar = new Jar(t.app)
      await jar.login()
      const parent = jar.get('refresh_token')!
      await jar.request('POST', REFRESH)
      const live = jar.get('refresh_token')!
      clock += wait
      // The browser that never got the reply still holds the parent, and its own CSRF cookie.
      const retry = await refreshAs(t, parent, { csrftoken: jar.get('csrftoken')! })
      assert.equal(retry.statusCode, 200, `after ${wait} ms: ${retry.body}`)
      assert.equal(setCookie(retry, 'refresh_token'), live)
      assert.equal((await refreshAs(t, live, { csrftoken: jar.get('csrftoken')! })).statusCode, 200, 'the session lives')
    }
  })

  test('a stolen parent replayed by another client, even within the grace window, is theft: the whole family dies', async () => {
    const thieves = [(_own: string) => ({}), (_own: string) => ({ csrftoken: 'x'.repeat(32) }), (own: string) => ({ csrftoken: own, ua: 'curl/8.0' })]
    for (const thief of thieves) {
      const jar = new Jar(t.app)
      await jar.login()
      const parent = jar.get('refresh_token')!
      await jar.request('POST', REFRESH)
      const live = jar.get('refresh_token')!
      const replay = await refreshAs(t, parent, thief(jar.get('csrftoken')!))
      assert.equal(replay.statusCode, 401, replay.body)
      assert.equal(replay.json().detail, 'Token reuse detected: the session has been revoked')
      assert.equal((await refreshAs(t, live, { csrftoken: jar.get('csrftoken')! })).statusCode, 401, 'the whole family is revoked')
    }
  })

  test('a grandparent replayed inside the grace window is theft: only the immediate parent is forgiven', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const grandparent = jar.get('refresh_token')!
    await jar.request('POST', REFRESH)
    await jar.request('POST', REFRESH)
    const live = jar.get('refresh_token')!
    assert.equal((await refreshWith(t, grandparent)).statusCode, 401)
    assert.equal((await refreshWith(t, live)).statusCode, 401)
  })

  test('a refresh token after logout is refused (blacklisted), with SimpleJWT\'s wording', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const token = jar.get('refresh_token')!
    assert.equal((await jar.request('POST', '/accounts/auth/logout/', { csrf: true })).statusCode, 200)
    const response = await refreshWith(t, token)
    assert.equal(response.statusCode, 401)
    assert.deepEqual(response.json(), { detail: 'Token is blacklisted', code: 'token_not_valid' })
  })

  test('an inactive user cannot refresh', async () => {
    const user = await createUser(t, 'bob')
    const jar = new Jar(t.app)
    await jar.login('bob')
    await t.opened.store.updateUser(user.id, { is_active: false })
    const response = await jar.request('POST', REFRESH)
    assert.equal(response.statusCode, 401)
  })
})

describe('ROTATE_REFRESH_TOKENS=false (the reference behaviour)', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ROTATE_REFRESH_TOKENS: 'false' })
    await createUser(t)
  })
  after(() => t.close())

  test('refresh sets only a new access cookie and the same refresh token keeps working', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const token = jar.get('refresh_token')!
    for (let i = 0; i < 3; i++) {
      const response = await refreshWith(t, token)
      assert.equal(response.statusCode, 200)
      assert.ok(setCookie(response, 'access_token'))
      assert.equal(setCookie(response, 'refresh_token'), undefined)
    }
  })

  test('logout still blacklists it', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const token = jar.get('refresh_token')!
    await jar.request('POST', '/accounts/auth/logout/', { csrf: true })
    assert.equal((await refreshWith(t, token)).statusCode, 401)
  })
})
