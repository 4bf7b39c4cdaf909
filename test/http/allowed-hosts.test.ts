import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { after, before, describe, test } from 'node:test'
import { tessera } from '../../src/index.js'
import { createHostCheck, hostDomain } from '../../src/http/hosts.js'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { LOGIN, PASSWORD, USER } from './helpers.js'

/**
 * ALLOWED_HOSTS (Django's setting): a request for any other host is a 400 before anything runs. The attack
 * it closes is DNS rebinding: `rebind.evil.example` first resolves to the attacker, then to this server, so
 * the attacker's page reads this server's answers as same-origin (with `Host: rebind.evil.example`).
 */
describe('ALLOWED_HOSTS: a request for another host is refused', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ALLOWED_HOSTS: 'api.example.com,.example.org,[::1],127.0.0.1' })
    await createUser(t)
  })
  after(() => t.close())

  const get = (host: string, url = '/accounts/csrf_token/') => t.app.inject({ url, headers: { host } })

  test('DNS rebinding: the attacker’s name gets 400 with a JSON detail, and no cookie', async () => {
    for (const url of ['/accounts/csrf_token/', USER, '/', '/docs', '/nope']) {
      const response = await get('rebind.evil.example:8000', url)
      assert.equal(response.statusCode, 400, url)
      assert.deepEqual(response.json(), { detail: 'Invalid HTTP_HOST header.' })
      assert.equal(response.headers['set-cookie'], undefined)
    }
    const login = await t.app.inject({ method: 'POST', url: LOGIN, headers: { host: 'rebind.evil.example' }, payload: { username: 'alice', password: PASSWORD } })
    assert.equal(login.statusCode, 400)
    assert.equal(login.headers['set-cookie'], undefined, 'no session for a foreign host')
  })

  test('look-alikes of an allowed name are refused', async () => {
    for (const host of ['api.example.com.evil.example', 'evilapi.example.com', 'xexample.org', 'example.org.evil', 'localhost', 'api.example.com:80@evil', 'api.example.com/x', '', '[::2]'])
      assert.equal((await get(host)).statusCode, 400, host)
  })

  test('allowed: the exact name on any port, case and a trailing dot ignored, the wildcard’s domain and subdomains, IPs', async () => {
    for (const host of ['api.example.com', 'API.Example.COM:8443', 'api.example.com.', 'example.org', 'a.b.example.org:81', '[::1]:8000', '127.0.0.1:8000'])
      assert.equal((await get(host)).statusCode, 200, host)
  })

  test('/healthz and /readyz answer any host (probes address an instance by its IP)', async () => {
    assert.equal((await get('10.0.0.7:8000', '/healthz')).statusCode, 200)
    assert.equal((await get('10.0.0.7:8000', '/readyz')).statusCode, 200)
    assert.equal((await get('10.0.0.7:8000', '/metrics')).statusCode, 400)
  })
})

test('the plugin in a host app guards the host’s own routes too', async () => {
  const t = await createTestApp()
  const host = Fastify()
  try {
    await host.register(tessera, { ...t.settings, store: t.opened.store, allowedHosts: ['app.example.com'] })
    host.get('/api/things', async () => ({ ok: true }))
    await host.ready()
    assert.equal((await host.inject({ url: '/api/things', headers: { host: 'app.example.com' } })).statusCode, 200)
    const rebound = await host.inject({ url: '/api/things', headers: { host: 'rebind.evil.example' } })
    assert.equal(rebound.statusCode, 400)
    assert.deepEqual(rebound.json(), { detail: 'Invalid HTTP_HOST header.' })
  } finally {
    await host.close()
    await t.close()
  }
})

describe('ALLOWED_HOSTS defaults', () => {
  test('outside production, Django’s development hosts: localhost (and its subdomains), 127.0.0.1, [::1]', async () => {
    const t = await createTestApp()
    try {
      for (const host of ['localhost:8000', 'app.localhost', '127.0.0.1:8000', '[::1]:8000']) assert.equal((await t.app.inject({ url: '/healthz', headers: { host } })).statusCode, 200, host)
      for (const host of ['192.168.1.5:8000', 'evil.example']) assert.equal((await t.app.inject({ url: USER, headers: { host } })).statusCode, 400, host)
    } finally {
      await t.close()
    }
  })

  test('`*` allows any well-formed host but still refuses a malformed one (as Django)', async () => {
    const t = await createTestApp({ ALLOWED_HOSTS: '*' })
    try {
      assert.equal((await t.app.inject({ url: '/accounts/csrf_token/', headers: { host: 'anything.example:1234' } })).statusCode, 200)
      assert.equal((await t.app.inject({ url: '/accounts/csrf_token/', headers: { host: 'bad host' } })).statusCode, 400)
    } finally {
      await t.close()
    }
  })

  test('production refuses to start without ALLOWED_HOSTS', async () => {
    await assert.rejects(createTestApp({ NODE_ENV: 'production', ARGON2_MEMORY_COST: '19456' }), /allowedHosts \(ALLOWED_HOSTS\) is required in production/)
  })
})

describe('the host check itself (Django’s validate_host)', () => {
  test('split_domain_port: lower-cased, port and one trailing dot removed, malformed → empty', () => {
    assert.equal(hostDomain('Example.COM:8000'), 'example.com')
    assert.equal(hostDomain('example.com.'), 'example.com')
    assert.equal(hostDomain('[::1]:80'), '[::1]')
    assert.equal(hostDomain('exa mple.com'), '')
    assert.equal(hostDomain('example.com:80:80'), '')
  })

  test('a host seen once is remembered; a flood of new hosts does not grow memory without bound', () => {
    const allowed = createHostCheck(['.example.com'])
    for (let port = 0; port < 5000; port++) assert.equal(allowed(`example.com:${port}`), true)
    for (let i = 0; i < 5000; i++) assert.equal(allowed(`x${i}.evil.example`), false)
  })
})
