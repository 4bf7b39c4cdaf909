import assert from 'node:assert/strict'
import Fastify, { type FastifyInstance } from 'fastify'
import { after, before, describe, test } from 'node:test'
import { tessera } from '../../src/index.js'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, loginCookies } from './helpers.js'

/**
 * The plugin inside someone else's Fastify app (the README's example): their own routes protected by
 * `app.tessera.authenticate`, with CSRF on every unsafe method for cookie authentication, on by default.
 */
describe('the tessera plugin in a host app', () => {
  let t: TestApp
  let host: FastifyInstance
  before(async () => {
    t = await createTestApp()
    await createUser(t)
    host = Fastify()
    await host.register(tessera, { ...t.settings, store: t.opened.store, prefix: '/auth' })
    host.register(async (api) => {
      api.addHook('preHandler', host.tessera.authenticate)
      const handler = async (request: { auth: { userId: number } | null; method: string }) => ({ user: request.auth!.userId, method: request.method })
      api.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/api/things', handler })
      api.post('/api/webhook', { config: { csrf: false } }, handler)
    })
    await host.ready()
  })
  after(async () => {
    await host.close()
    await t.close()
  })

  async function session() {
    const login = await host.inject({ method: 'POST', url: '/auth/auth/login/', payload: { username: 'alice', password: 'correct horse battery' } })
    assert.equal(login.statusCode, 200, login.body)
    return loginCookiesFrom(login.headers['set-cookie'])
  }

  test('the prefix option moves the contract routes', async () => {
    const s = await session()
    const me = await host.inject({ url: '/auth/user/', headers: { cookie: `access_token=${s.access}` } })
    assert.equal(me.json().username, 'alice')
    assert.equal((await host.inject({ url: '/accounts/user/' })).statusCode, 404)
  })

  test('GET on a protected route: 200 with request.auth, 401 without a credential', async () => {
    const s = await session()
    const ok = await host.inject({ url: '/api/things', headers: { cookie: `access_token=${s.access}` } })
    assert.deepEqual(ok.json(), { user: 1, method: 'GET' })
    const anonymous = await host.inject({ url: '/api/things' })
    assert.equal(anonymous.statusCode, 401)
    // The host's error handler (Fastify's default here) shapes the body; Tessera gives the status, code and headers.
    assert.equal(anonymous.json().message, 'Authentication credentials were not provided.')
    assert.equal(anonymous.json().code, 'ERR_AUTH_NOT_AUTHENTICATED')
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer realm="api"')
  })

  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    test(`${method} by cookie without the CSRF token is refused; with it, or by Bearer, it passes`, async () => {
      const s = await session()
      const cookie = cookieHeader({ access_token: s.access, csrftoken: s.csrf })
      const attack = await host.inject({ method, url: '/api/things', headers: { cookie } })
      assert.equal(attack.statusCode, 403)
      assert.equal(attack.json().message, 'CSRF Failed: CSRF token missing.')
      const ok = await host.inject({ method, url: '/api/things', headers: { cookie, 'x-csrftoken': s.csrf } })
      assert.deepEqual(ok.json(), { user: 1, method })
      const bearer = await host.inject({ method, url: '/api/things', headers: { authorization: `Bearer ${s.access}` } })
      assert.deepEqual(bearer.json(), { user: 1, method })
    })
  }

  test('a route that opts out visibly (config: { csrf: false }) is not checked', async () => {
    const s = await session()
    const response = await host.inject({ method: 'POST', url: '/api/webhook', headers: { cookie: cookieHeader({ access_token: s.access }) } })
    assert.equal(response.statusCode, 200)
  })

  test('tokens issued by the ready server are accepted by the host app (same key, same store)', async () => {
    const { access } = await loginCookies(t)
    const response = await host.inject({ url: '/api/things', headers: { authorization: `Bearer ${access}` } })
    assert.equal(response.statusCode, 200)
  })
})

function loginCookiesFrom(setCookie: string | string[] | undefined) {
  const value = (name: string) => ([setCookie ?? []].flat().find((l) => l.startsWith(`${name}=`)) ?? '').split(';')[0]!.slice(name.length + 1)
  return { access: value('access_token'), refresh: value('refresh_token'), csrf: value('csrftoken') }
}
