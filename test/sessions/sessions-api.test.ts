import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'

describe('session management API', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
    await createUser(t, 'mallory', 'mallory horse battery')
  })
  after(() => t.close())

  async function loginAs(username = 'alice', password = 'correct horse battery', userAgent = 'test-agent') {
    const jar = new Jar(t.app)
    await jar.request('POST', '/accounts/auth/login/', { body: { username, password }, headers: { 'user-agent': userAgent } })
    return jar
  }

  test('lists the live sessions with the current one marked', async () => {
    const laptop = await loginAs('alice', 'correct horse battery', 'laptop')
    await loginAs('alice', 'correct horse battery', 'phone')
    const response = await laptop.request('GET', '/accounts/sessions/')
    assert.equal(response.statusCode, 200)
    const sessions = response.json() as { id: string; current: boolean; user_agent: string; ip: string; created: string; last_used: string }[]
    assert.ok(sessions.length >= 2)
    const current = sessions.filter((s) => s.current)
    assert.equal(current.length, 1)
    assert.equal(current[0]!.user_agent, 'laptop')
    assert.ok(sessions.some((s) => s.user_agent === 'phone'))
    assert.match(current[0]!.created, /^\d{4}-\d\d-\d\dT/)
    assert.equal(current[0]!.ip, '127.0.0.1')
  })

  test('revoking one session kills it (and only it); the route needs the CSRF token', async () => {
    const laptop = await loginAs()
    const phone = await loginAs('alice', 'correct horse battery', 'phone-2')
    const phoneAccess = phone.get('access_token')!
    const sessions = (await laptop.request('GET', '/accounts/sessions/')).json() as { id: string; user_agent: string }[]
    const target = sessions.find((s) => s.user_agent === 'phone-2')!
    assert.equal((await laptop.request('DELETE', `/accounts/sessions/${target.id}/`)).statusCode, 403, 'no CSRF token, no revoke')
    assert.equal((await laptop.request('DELETE', `/accounts/sessions/${target.id}/`, { csrf: true })).statusCode, 204)
    const me = await t.app.inject({ url: '/accounts/user/', headers: { authorization: `Bearer ${phoneAccess}` } })
    assert.equal(me.statusCode, 401)
    assert.equal((await laptop.request('GET', '/accounts/user/')).statusCode, 200)
  })

  test("someone else's session is 404, and stays alive", async () => {
    const victim = await loginAs()
    const victimSession = ((await victim.request('GET', '/accounts/sessions/')).json() as { id: string; current: boolean }[]).find((s) => s.current)!
    const attacker = await loginAs('mallory', 'mallory horse battery')
    const response = await attacker.request('DELETE', `/accounts/sessions/${victimSession.id}/`, { csrf: true })
    assert.equal(response.statusCode, 404)
    assert.equal((await victim.request('GET', '/accounts/user/')).statusCode, 200)
  })

  test('logout_all revokes every session, or all but this one with keep_current', async () => {
    const a = await loginAs()
    const b = await loginAs()
    const bAccess = b.get('access_token')!
    const kept = await a.request('POST', '/accounts/auth/logout_all/', { csrf: true, body: { keep_current: true } })
    assert.equal(kept.statusCode, 200)
    assert.ok(kept.json().revoked >= 1)
    assert.equal((await a.request('GET', '/accounts/user/')).statusCode, 200)
    assert.equal((await t.app.inject({ url: '/accounts/user/', headers: { authorization: `Bearer ${bAccess}` } })).statusCode, 401)
    const all = await a.request('POST', '/accounts/auth/logout_all/', { csrf: true })
    assert.equal(all.statusCode, 200)
    assert.equal(a.get('access_token'), undefined, 'cookies deleted')
  })

  test('password change checks the old password, validates the new one and revokes the other sessions', async () => {
    await createUser(t, 'frank', 'frank horse battery')
    const here = await loginAs('frank', 'frank horse battery')
    const elsewhere = await loginAs('frank', 'frank horse battery')
    const wrong = await here.request('POST', '/accounts/auth/password/change/', { csrf: true, body: { old_password: 'nope', new_password: 'another fine passphrase' } })
    assert.equal(wrong.statusCode, 400)
    assert.deepEqual(Object.keys(wrong.json()), ['old_password'])
    const weak = await here.request('POST', '/accounts/auth/password/change/', { csrf: true, body: { old_password: 'frank horse battery', new_password: '12345678' } })
    assert.equal(weak.statusCode, 400)
    assert.ok(weak.json().new_password.includes('This password is entirely numeric.'))
    const same = await here.request('POST', '/accounts/auth/password/change/', { csrf: true, body: { old_password: 'frank horse battery', new_password: 'frank horse battery' } })
    assert.equal(same.statusCode, 400, 'the old password as the new one is no change (issue 11)')
    assert.deepEqual(same.json(), { new_password: ['The new password must differ from the old one.'] })
    assert.equal((await elsewhere.request('GET', '/accounts/user/')).statusCode, 200, 'and revokes nothing')
    const ok = await here.request('POST', '/accounts/auth/password/change/', { csrf: true, body: { old_password: 'frank horse battery', new_password: 'another fine passphrase' } })
    assert.equal(ok.statusCode, 200)
    assert.equal((await here.request('GET', '/accounts/user/')).statusCode, 200, 'this session stays')
    assert.equal((await elsewhere.request('GET', '/accounts/user/')).statusCode, 401, 'the others die')
    assert.equal((await loginAs('frank', 'another fine passphrase')).get('access_token') !== undefined, true)
  })

  test('verify: 200 for a live token, 401 for a revoked or rotated one', async () => {
    const jar = await loginAs()
    const access = jar.get('access_token')!
    const refresh = jar.get('refresh_token')!
    assert.equal((await t.app.inject({ method: 'POST', url: '/accounts/auth/verify/', payload: { token: access } })).statusCode, 200)
    assert.equal((await t.app.inject({ method: 'POST', url: '/accounts/auth/verify/', payload: { token: refresh } })).statusCode, 200)
    await jar.request('POST', '/accounts/auth/refresh_token/')
    const rotated = await t.app.inject({ method: 'POST', url: '/accounts/auth/verify/', payload: { token: refresh } })
    assert.equal(rotated.statusCode, 401)
    assert.deepEqual(rotated.json(), { detail: 'Token is blacklisted', code: 'token_not_valid' })
    await jar.request('POST', '/accounts/auth/logout/', { csrf: true })
    assert.equal((await t.app.inject({ method: 'POST', url: '/accounts/auth/verify/', payload: { token: access } })).statusCode, 401)
    assert.equal((await t.app.inject({ method: 'POST', url: '/accounts/auth/verify/', payload: { token: 'garbage' } })).statusCode, 401)
  })
})
