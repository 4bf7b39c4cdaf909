import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { importDjangoUsers, readDjangoUsers } from '../../src/migrate/index.js'
import { createTestApp, Jar, TEST_ENV, type TestApp } from '../support/app.js'
import { copyFixture, djangoMissing, djangotool, FIXTURE, fixtureUser } from './support.js'

/** Tokens made by SimpleJWT 5 (Debian's) with the same SECRET_KEY as Tessera; see djangotool.py `issue`. */
interface Issued {
  access: string
  access_string_id: string
  access_expired: string
  access_inactive: string
  access_year: string
  refresh: string
  refresh_blacklisted: string
  access_from_blacklisted: string
}
type Verdict = { ok: true; user_id: number; username?: string; claims: Record<string, unknown> } | { ok: false; error: string }

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** A token built by hand, for the attacks: another key, alg none. */
function forge(header: object, claims: object, key?: string): string {
  const input = `${b64(header)}.${b64(claims)}`
  return `${input}.${key === undefined ? '' : createHmac('sha256', key).update(input).digest('base64url')}`
}
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>

describe('SimpleJWT interop', { skip: djangoMissing() }, () => {
  const django = copyFixture()
  const alice = fixtureUser('alice')
  let issued: Issued
  let compat: TestApp
  let strict: TestApp

  before(async () => {
    issued = djangotool<Issued>('issue', django.path, TEST_ENV.SECRET_KEY)
    compat = await createTestApp({ SIMPLEJWT_COMPAT: 'true' })
    strict = await createTestApp()
    for (const t of [compat, strict]) await importDjangoUsers(t.opened.store, await readDjangoUsers(FIXTURE))
  })
  after(async () => {
    await compat?.close()
    await strict?.close()
    django.remove()
  })

  const bearer = (t: TestApp, token: string) => t.app.inject({ url: '/accounts/user/', headers: { authorization: `Bearer ${token}` } })
  const expectRefused = async (t: TestApp, token: string) => {
    const response = await bearer(t, token)
    assert.equal(response.statusCode, 401, response.body)
    assert.equal(response.json().code, 'token_not_valid')
  }

  test('with SIMPLEJWT_COMPAT=true, a SimpleJWT access token works on GET /accounts/user/ (header or cookie)', async () => {
    const me = { id: alice.id, username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: alice.email, email_verified: false }
    assert.equal(claimsOf(issued.access).user_id, alice.id)
    const viaHeader = await bearer(compat, issued.access)
    assert.equal(viaHeader.statusCode, 200, viaHeader.body)
    assert.deepEqual(viaHeader.json(), me)
    const viaCookie = await compat.app.inject({ url: '/accounts/user/', headers: { cookie: `access_token=${issued.access}` } })
    assert.deepEqual(viaCookie.json(), me)
  })

  test('a SimpleJWT token whose user_id is a string is accepted as the same user', async () => {
    assert.equal(claimsOf(issued.access_string_id).user_id, String(alice.id))
    assert.equal((await bearer(compat, issued.access_string_id)).json().id, alice.id)
  })

  test('without SIMPLEJWT_COMPAT the same SimpleJWT token is refused: it belongs to no Tessera session', async () => {
    await expectRefused(strict, issued.access)
    await expectRefused(strict, issued.access_string_id)
  })

  test('even with SIMPLEJWT_COMPAT: expired, inactive user, refresh-as-access, another key and alg none are refused', async () => {
    await expectRefused(compat, issued.access_expired)
    const inactive = await bearer(compat, issued.access_inactive)
    assert.equal(inactive.statusCode, 401, 'erin is inactive in Django and so in Tessera')
    await expectRefused(compat, issued.refresh)
    const claims = claimsOf(issued.access)
    await expectRefused(compat, forge({ alg: 'HS256', typ: 'JWT' }, claims, 'not-the-django-secret-key-0123456789abcdef'))
    await expectRefused(compat, forge({ alg: 'none', typ: 'JWT' }, claims))
    // The signature covers the claims: another user id with alice's signature is refused.
    const [header, , signature] = issued.access.split('.')
    await expectRefused(compat, `${header}.${b64({ ...claims, user_id: 1 })}.${signature}`)
  })

  test('even with SIMPLEJWT_COMPAT: a SimpleJWT token that outlives the access lifetime is refused (exp a year ahead)', async () => {
    const claims = claimsOf(issued.access_year)
    assert.ok((claims.exp as number) - (claims.iat as number) > 300 * 86_400)
    await expectRefused(compat, issued.access_year)
  })

  test("logout_all, even from a SimpleJWT token, ends every SimpleJWT token issued until then (the user's not-before time)", async () => {
    const app = await createTestApp({ SIMPLEJWT_COMPAT: 'true' })
    try {
      await importDjangoUsers(app.opened.store, await readDjangoUsers(FIXTURE))
      assert.equal((await bearer(app, issued.access)).statusCode, 200)
      const out = await app.app.inject({ method: 'POST', url: '/accounts/auth/logout_all/', headers: { authorization: `Bearer ${issued.access}` } })
      assert.equal(out.statusCode, 200, out.body)
      await expectRefused(app, issued.access)
      await expectRefused(app, issued.access_string_id)
    } finally {
      await app.close()
    }
  })

  test("Django's refresh tokens are not accepted by Tessera's refresh endpoint: Tessera honours only refresh tokens it recorded", async () => {
    for (const token of [issued.refresh, issued.refresh_blacklisted]) {
      const response = await compat.app.inject({ method: 'POST', url: '/accounts/auth/refresh_token/', headers: { cookie: `refresh_token=${token}` } })
      assert.equal(response.statusCode, 401, response.body)
      assert.equal(response.json().code, 'token_not_valid')
    }
  })

  test("Tessera's tokens verify in SimpleJWT and authenticate the same user in Django; what is not shared, is not", async () => {
    const jar = new Jar(compat.app)
    assert.equal((await jar.login('alice', alice.password!)).statusCode, 200)
    const access = jar.get('access_token')!
    const refresh = jar.get('refresh_token')!
    assert.equal(claimsOf(access).user_id, alice.id)
    const stranger = await compat.app.tessera.createUser({ username: 'tessera-only', password: 'a long enough password' }, { validatePassword: false })
    const strangerJar = new Jar(compat.app)
    assert.equal((await strangerJar.login('tessera-only', 'a long enough password')).statusCode, 200)
    const tamperedKey = forge({ alg: 'HS256', typ: 'JWT' }, claimsOf(access), 'not-the-django-secret-key-0123456789abcdef')

    // Logout in Tessera: Tessera refuses the access token at once; Django cannot know (not shared).
    assert.equal((await jar.request('POST', '/accounts/auth/logout/', { csrf: true })).statusCode, 200)
    assert.equal((await bearer(compat, access)).statusCode, 401)

    const [good, goodRefresh, unknownUser, badKey, fromBlacklisted] = djangotool<Verdict[]>('verify', django.path, TEST_ENV.SECRET_KEY, [
      { token: access, type: 'access' },
      { token: refresh, type: 'refresh' },
      { token: strangerJar.get('access_token'), type: 'access' },
      { token: tamperedKey, type: 'access' },
      { token: issued.access_from_blacklisted, type: 'access' },
    ])
    assert.deepEqual(good && { ok: good.ok, ...(good.ok && { user_id: good.user_id, username: good.username }) }, { ok: true, user_id: alice.id, username: 'alice' })
    assert.equal(goodRefresh!.ok, true, 'no claim of a Tessera refresh token is one SimpleJWT rejects')
    assert.deepEqual(unknownUser, { ok: false, error: 'User not found' }, `Django has no user ${stranger.id}`)
    assert.equal(badKey!.ok, false, 'the check in Django is real: another key fails')
    // In Django as in Tessera, the blacklist covers refresh tokens: an access token minted from a
    // refresh token blacklisted later lives until its exp, on both sides.
    assert.equal(fromBlacklisted!.ok, true)
    assert.equal((await bearer(compat, issued.access_from_blacklisted)).statusCode, 200)
  })
})
