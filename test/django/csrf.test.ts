import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generateSecret, maskSecret, unmaskToken } from '../../src/csrf/index.js'
import { createTestApp, createUser, Jar, parseSetCookies, TEST_ENV, type TestApp } from '../support/app.js'
import { copyFixture, djangoMissing, djangotool } from './support.js'

/** A csrftoken cookie as Django 3.2 (before 4.1) wrote it: masked, 64 characters. */
interface LegacyCsrf {
  csrf_legacy_cookie: string
  csrf_secret: string
  csrf_other_mask: string
}

describe('CSRF cookies written by an older Django', { skip: djangoMissing() }, () => {
  const django = copyFixture()
  let legacy: LegacyCsrf
  let t: TestApp

  before(async () => {
    legacy = djangotool<LegacyCsrf>('issue', django.path, TEST_ENV.SECRET_KEY)
    assert.equal(legacy.csrf_legacy_cookie.length, 64)
    t = await createTestApp()
    await createUser(t)
  })
  after(async () => {
    await t?.close()
    django.remove()
  })

  test("GET csrf_token/ replaces Django's masked cookie with the secret Django itself unmasks, as Django 4.1+ does", async () => {
    const response = await t.app.inject({ url: '/accounts/csrf_token/', headers: { cookie: `csrftoken=${legacy.csrf_legacy_cookie}` } })
    assert.equal(response.statusCode, 200)
    assert.equal(parseSetCookies(response.headers['set-cookie']).csrftoken!.value, legacy.csrf_secret)
    assert.equal(unmaskToken(response.json().token), legacy.csrf_secret)
  })

  /** Logs in, then puts the legacy cookie back as if the browser still held it from the Django days. */
  async function loggedInWithLegacyCookie(): Promise<Jar> {
    const jar = new Jar(t.app)
    assert.equal((await jar.login()).statusCode, 200)
    jar.set('csrftoken', legacy.csrf_legacy_cookie)
    return jar
  }
  const logout = (jar: Jar, header: string) => jar.request('POST', '/accounts/auth/logout/', { headers: { 'x-csrftoken': header } })

  test('until then, the masked cookie is accepted: with a Django token of its secret, or its own value, in X-CSRFToken', async () => {
    assert.equal((await logout(await loggedInWithLegacyCookie(), legacy.csrf_other_mask)).statusCode, 200)
    assert.equal((await logout(await loggedInWithLegacyCookie(), legacy.csrf_legacy_cookie)).statusCode, 200)
    assert.equal((await logout(await loggedInWithLegacyCookie(), legacy.csrf_secret)).statusCode, 200)
  })

  test('a masked cookie does not let a token of another secret through', async () => {
    const response = await logout(await loggedInWithLegacyCookie(), maskSecret(generateSecret()))
    assert.equal(response.statusCode, 403)
    assert.match(response.json().detail, /^CSRF Failed: CSRF token .*incorrect\.$/)
  })
})
