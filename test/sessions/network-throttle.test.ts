import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'

/**
 * Issue 11 #10: the per-address budget alone let a sprayer rotate addresses freely (65 usernames from
 * rotating addresses, none throttled). Failed logins now also count per IPv4 /24 and IPv6 /64, and the
 * whole server has a failure budget past which every login is slowed, never refused.
 */
const LOGIN = '/accounts/auth/login/'
// Mid-minute, so that no budget window rolls over during a test.
const clock = Math.floor(Date.now() / 60_000) * 60_000 + 20_000
const QUIET = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '1000', RATE_LIMIT_PAIR_FREE_ATTEMPTS: '1000', RATE_LIMIT_USER_FREE_ATTEMPTS: '1000' }

const spray = (t: TestApp, username: string, ip: string, password = 'Winter2024!') => t.app.inject({ method: 'POST', url: LOGIN, payload: { username, password }, remoteAddress: ip })

describe('per-network budgets: rotating addresses within a network gains nothing', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ...QUIET, RATE_LIMIT_IPV4_SUBNET_PER_MINUTE: '10', RATE_LIMIT_IPV6_SUBNET_PER_MINUTE: '10' }, { now: () => clock })
    await createUser(t, 'alice')
  })
  after(() => t.close())

  test('65 usernames sprayed from 65 addresses of one /24 are throttled after the /24’s budget', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 65; i++) statuses.push((await spray(t, `user${i}`, `198.51.100.${i + 1}`)).statusCode)
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401))
    assert.deepEqual(statuses.slice(10), Array(55).fill(429), statuses.join(','))
    // A neighbouring network is someone else.
    assert.equal((await spray(t, 'alice', '198.51.101.1', 'correct horse battery')).statusCode, 200)
  })

  test('IPv6: every address of one /64 (and its IPv4-mapped spellings) share one budget', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 15; i++) statuses.push((await spray(t, `user${i}`, `2001:db8:5:6:${((i * 7919) % 65536).toString(16)}::${i + 1}`)).statusCode)
    assert.deepEqual(statuses, [...Array(10).fill(401), ...Array(5).fill(429)], statuses.join(","))
    assert.equal((await spray(t, 'alice', '2001:db8:5:7::1', 'correct horse battery')).statusCode, 200, 'another /64')
    const mapped: number[] = []
    for (let i = 0; i < 12; i++) mapped.push((await spray(t, `user${i}`, `::ffff:192.0.2.${i + 1}`)).statusCode)
    assert.deepEqual(mapped, [...Array(10).fill(401), ...Array(2).fill(429)], mapped.join(","))
  })
})

describe('the server-wide failure budget slows a spray from everywhere, and refuses nobody', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ...QUIET, RATE_LIMIT_GLOBAL_FAILURES_PER_MINUTE: '8', RATE_LIMIT_GLOBAL_DELAY: '300ms' }, { now: () => clock })
    await createUser(t, 'alice')
  })
  after(() => t.close())

  const timed = async (username: string, ip: string, password?: string) => {
    const started = performance.now()
    const response = await spray(t, username, ip, password)
    return { status: response.statusCode, ms: performance.now() - started }
  }

  test('under the budget logins are not delayed; past it every attempt waits the delay, and still gets its answer', async () => {
    const early: { status: number; ms: number }[] = []
    // Every attempt from another network: no per-address or per-network budget is ever reached.
    for (let i = 0; i < 8; i++) early.push(await timed(`user${i}`, `10.${i}.0.1`))
    assert.ok(early.every((r) => r.status === 401 && r.ms < 250), JSON.stringify(early))
    const late: { status: number; ms: number }[] = []
    for (let i = 8; i < 12; i++) late.push(await timed(`user${i}`, `10.${i}.0.1`))
    assert.ok(late.every((r) => r.status === 401 && r.ms >= 290), JSON.stringify(late))
    const owner = await timed('alice', '192.0.2.200', 'correct horse battery')
    assert.equal(owner.status, 200, 'the owner still gets in, slowed')
    assert.ok(owner.ms >= 290, `${owner.ms} ms`)
  })
})
