import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'

/** GET user/ with exactly this access token as a Bearer header. */
const whoAmI = (t: TestApp, access: string) => t.app.inject({ url: '/accounts/user/', headers: { authorization: `Bearer ${access}` } })

describe('access tokens die with their session, without a database read', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  test('an access token is refused right after logout', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const access = jar.get('access_token')!
    assert.equal((await whoAmI(t, access)).statusCode, 200)
    assert.equal((await jar.request('POST', '/accounts/auth/logout/', { csrf: true })).statusCode, 200)
    const response = await whoAmI(t, access)
    assert.equal(response.statusCode, 401)
    assert.equal(response.json().messages[0].message, 'Token is blacklisted')
  })

  test('logout works with only the refresh cookie (expired access token), and needs the CSRF token', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const access = jar.get('access_token')!
    jar.cookies.delete('access_token')
    const withoutToken = await jar.request('POST', '/accounts/auth/logout/')
    assert.equal(withoutToken.statusCode, 403)
    assert.equal(withoutToken.json().detail, 'CSRF Failed: CSRF token missing.')
    const response = await jar.request('POST', '/accounts/auth/logout/', { csrf: true })
    assert.equal(response.statusCode, 200)
    assert.equal(jar.get('refresh_token'), undefined, 'the refresh cookie is deleted')
    assert.equal((await whoAmI(t, access)).statusCode, 401, 'the session is revoked')
  })

  test('revocation survives a restart: the revoked set is reloaded from the database', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const access = jar.get('access_token')!
    await jar.request('POST', '/accounts/auth/logout/', { csrf: true })
    // A second server on the same database, as after a restart.
    const { buildServer } = await import('../../src/http/index.js')
    const restarted = await buildServer({ ...t.settings, store: t.opened.store, logger: false })
    await restarted.ready()
    const response = await restarted.inject({ url: '/accounts/user/', headers: { authorization: `Bearer ${access}` } })
    assert.equal(response.statusCode, 401)
    await restarted.close()
  })

  test('deactivating a user kills their access tokens at once', async () => {
    const user = await createUser(t, 'carol')
    const jar = new Jar(t.app)
    await jar.login('carol')
    const access = jar.get('access_token')!
    await t.app.tessera.setActive(user.id, false)
    assert.equal((await whoAmI(t, access)).statusCode, 401)
    assert.equal((await jar.login('carol')).statusCode, 401, 'and they cannot log in again')
  })

  test('deleting a user kills their access tokens at once', async () => {
    const user = await createUser(t, 'dave')
    const jar = new Jar(t.app)
    await jar.login('dave')
    const access = jar.get('access_token')!
    await t.app.tessera.deleteUser(user.id)
    assert.equal((await whoAmI(t, access)).statusCode, 401)
  })

  test('an operator password change (tessera changepassword) ends every session', async () => {
    const user = await createUser(t, 'erin')
    const jar = new Jar(t.app)
    await jar.login('erin')
    const access = jar.get('access_token')!
    await t.app.tessera.setPassword(user.id, 'a brand new passphrase')
    assert.equal((await whoAmI(t, access)).statusCode, 401)
    assert.equal((await jar.request('POST', '/accounts/auth/refresh_token/')).statusCode, 401)
  })
})
