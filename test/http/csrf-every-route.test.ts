import assert from 'node:assert/strict'
import Fastify, { type FastifyInstance } from 'fastify'
import { after, before, describe, test } from 'node:test'
import { tessera } from '../../src/index.js'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, loginCookies, PASSWORD } from './helpers.js'

/**
 * One plugin-level hook decides CSRF for every route of the app: an unsafe request that the access cookie
 * authenticates needs the token whether or not the route remembered `preHandler: authenticate`, and
 * `config: { csrf: false }` is the only way out, on the host's routes and on Tessera's own.
 */
describe('CSRF for every cookie-authenticated unsafe request', () => {
  let t: TestApp
  let host: FastifyInstance
  const effects: string[] = []
  before(async () => {
    t = await createTestApp()
    await createUser(t)
    host = Fastify()
    await host.register(tessera, { ...t.settings, store: t.opened.store })
    // A host route that forgot the preHandler but acts on the user's behalf all the same (it trusts the
    // cookie being there): a forged cross-site POST must not reach it.
    host.post('/api/transfer', async () => {
      effects.push('transfer')
      return { ok: true }
    })
    host.post('/api/webhook', { config: { csrf: false } }, async () => ({ ok: true }))
    host.post('/api/notes', { preHandler: host.tessera.authenticate }, async (request) => ({ user: request.auth!.user.username, via: request.auth!.via }))
    await host.ready()
  })
  after(async () => {
    await host.close()
    await t.close()
  })

  test('a host route registered without the preHandler is still protected', async () => {
    const s = await loginCookies(t)
    const forged = await host.inject({ method: 'POST', url: '/api/transfer', headers: { cookie: cookieHeader({ access_token: s.access, csrftoken: s.csrf }) } })
    assert.equal(forged.statusCode, 403)
    assert.equal(forged.json().code, 'ERR_CSRF_FAILED')
    assert.deepEqual(effects, [], 'the handler never ran')
    const genuine = await host.inject({ method: 'POST', url: '/api/transfer', headers: { cookie: cookieHeader({ access_token: s.access, csrftoken: s.csrf }), 'x-csrftoken': s.csrf } })
    assert.equal(genuine.statusCode, 200)
  })

  test('without a valid access cookie there is no cookie authentication, so nothing to forge', async () => {
    const anonymous = await host.inject({ method: 'POST', url: '/api/transfer' })
    assert.equal(anonymous.statusCode, 200)
    const forgedCookie = await host.inject({ method: 'POST', url: '/api/transfer', headers: { cookie: 'access_token=not-a-token' } })
    assert.equal(forgedCookie.statusCode, 200)
  })

  test('config: { csrf: false } opts a route out, visibly', async () => {
    const s = await loginCookies(t)
    const response = await host.inject({ method: 'POST', url: '/api/webhook', headers: { cookie: cookieHeader({ access_token: s.access }) } })
    assert.equal(response.statusCode, 200)
  })

  test('Bearer needs no token: a cross-site page cannot send an Authorization header', async () => {
    const s = await loginCookies(t)
    const response = await host.inject({ method: 'POST', url: '/api/notes', headers: { authorization: `Bearer ${s.access}`, cookie: cookieHeader({ access_token: s.access }) } })
    assert.deepEqual(response.json(), { user: 'alice', via: 'bearer' })
  })

  test('a malformed Authorization header does not exempt the cookie', async () => {
    const s = await loginCookies(t)
    const response = await host.inject({ method: 'POST', url: '/api/transfer', headers: { authorization: 'Bearer', cookie: cookieHeader({ access_token: s.access }) } })
    assert.equal(response.statusCode, 403)
  })

  test("the marker decides on Tessera's own routes too: login (csrf: false) with a live access cookie needs no token", async () => {
    const s = await loginCookies(t)
    const response = await host.inject({ method: 'POST', url: '/accounts/auth/login/', headers: { cookie: cookieHeader({ access_token: s.access }) }, payload: { username: 'alice', password: PASSWORD } })
    assert.equal(response.statusCode, 200)
  })

  test('a failed check is one audit event through the runtime sink', async () => {
    const s = await loginCookies(t)
    const events: string[] = []
    const stream = { write: (line: string) => void events.push(...[JSON.parse(line).audit].filter(Boolean)) }
    const audited = Fastify({ logger: { level: 'info', stream } })
    await audited.register(tessera, { ...t.settings, store: t.opened.store })
    audited.post('/api/transfer', async () => ({ ok: true }))
    await audited.ready()
    await audited.inject({ method: 'POST', url: '/api/transfer', headers: { cookie: cookieHeader({ access_token: s.access }) } })
    await audited.close()
    assert.deepEqual(events, ['csrf_failed'])
  })
})
