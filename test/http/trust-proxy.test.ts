import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { LOGIN } from './helpers.js'

/**
 * Issue 11 #9: with TRUST_PROXY=true Fastify believed the leftmost X-Forwarded-For entry. Behind a proxy
 * that appends (nginx's `$proxy_add_x_forwarded_for`, the common default), that entry is whatever the
 * client sent, so a guesser picked a new address per request and no per-IP limit ever applied.
 */
const PROXY = '127.0.0.1' // app.inject's default peer: the proxy in front
const CLIENT = '203.0.113.7'

/** A failed login as the proxy forwards it: the client's own X-Forwarded-For, then the address the proxy saw. */
const forwardedLogin = (t: TestApp, spoofed: string, client = CLIENT, remoteAddress = PROXY) =>
  t.app.inject({ method: 'POST', url: LOGIN, remoteAddress, headers: { 'x-forwarded-for': `${spoofed}, ${client}` }, payload: { username: 'alice', password: 'wrong' } })

async function sprayWithSpoofedAddresses(t: TestApp, client = CLIENT, remoteAddress = PROXY): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) statuses.push((await forwardedLogin(t, `198.51.${i}.${i + 1}`, client, remoteAddress)).statusCode)
  return statuses
}

for (const trustProxy of ['true', '1']) {
  describe(`TRUST_PROXY=${trustProxy}: the client is the address the proxy appended, not the one it sent`, () => {
    let t: TestApp
    before(async () => {
      t = await createTestApp({ TRUST_PROXY: trustProxy, RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '3', RATE_LIMIT_PAIR_FREE_ATTEMPTS: '100', RATE_LIMIT_USER_FREE_ATTEMPTS: '100' })
      await createUser(t)
    })
    after(() => t.close())

    test('a guesser who writes a new X-Forwarded-For per request still meets the per-IP budget', async () => {
      assert.deepEqual(await sprayWithSpoofedAddresses(t), [401, 401, 401, 429, 429, 429])
    })

    test('the session list shows the real client address', async () => {
      const login = await t.app.inject({ method: 'POST', url: LOGIN, headers: { 'x-forwarded-for': `6.6.6.6, 192.0.2.44` }, payload: { username: 'alice', password: 'correct horse battery' } })
      assert.equal(login.statusCode, 200, login.body)
      const cookie = [login.headers['set-cookie']].flat().map((line) => String(line).split(';')[0]).join('; ')
      const sessions = await t.app.inject({ url: '/accounts/sessions/', headers: { cookie } })
      assert.deepEqual(sessions.json().map((s: { ip: string }) => s.ip), ['192.0.2.44'])
    })
  })
}

describe('TRUST_PROXY as addresses/CIDRs: only those peers are proxies', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ TRUST_PROXY: '127.0.0.1,10.0.0.0/8', RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '3', RATE_LIMIT_PAIR_FREE_ATTEMPTS: '100', RATE_LIMIT_USER_FREE_ATTEMPTS: '100' })
    await createUser(t)
  })
  after(() => t.close())

  test('through two trusted proxies the client is the rightmost untrusted hop', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const response = await t.app.inject({ method: 'POST', url: LOGIN, headers: { 'x-forwarded-for': `198.51.100.${i}, 192.0.2.80, 10.1.2.3` }, payload: { username: 'alice', password: 'wrong' } })
      statuses.push(response.statusCode)
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429])
  })

  test('a client that reaches the server directly cannot forward anything', async () => {
    // Its peer address is not a trusted proxy: its X-Forwarded-For is ignored, whatever it says.
    assert.deepEqual(await sprayWithSpoofedAddresses(t, '192.0.2.81', '198.51.100.200'), [401, 401, 401, 429, 429, 429])
  })
})
