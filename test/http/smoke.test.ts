import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'

let t: TestApp
before(async () => {
  t = await createTestApp()
  await createUser(t)
})
after(() => t.close())

test('login, user, refresh with rotation, logout, then the access token is refused', async () => {
  const jar = new Jar(t.app)
  assert.equal((await jar.login()).statusCode, 200)
  const me = await jar.request('GET', '/accounts/user/')
  assert.deepEqual(me.json(), { id: 1, username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: '', email_verified: false })
  const firstRefresh = jar.get('refresh_token')
  const refreshed = await jar.request('POST', '/accounts/auth/refresh_token/')
  assert.equal(refreshed.statusCode, 200)
  assert.notEqual(jar.get('refresh_token'), firstRefresh)
  const access = jar.get('access_token')!
  assert.equal((await jar.request('POST', '/accounts/auth/logout/', { csrf: true })).statusCode, 200)
  const after = await t.app.inject({ url: '/accounts/user/', headers: { authorization: `Bearer ${access}` } })
  assert.equal(after.statusCode, 401)
})
