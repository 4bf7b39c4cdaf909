import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { LoginLimiter } from '../../src/auth/index.js'
import { RedisCounters, connectRedis, type Log, type RedisLink } from '../../src/scale/index.js'
import { closedPort } from '../support/net.js'
import { dropRedisPrefix, REDIS_URL, redisUnavailable, testRedisPrefix } from './cluster.js'

const skip = await redisUnavailable()
const prefix = testRedisPrefix()
const links: RedisLink[] = []
const silent: Log = { info() {}, warn() {} }
async function link(url = REDIS_URL, log: Log = silent) {
  const opened = await connectRedis({ url, timeout: 200 }, log)
  links.push(opened)
  return opened
}
after(async () => {
  for (const l of links) await l.close()
  if (!skip) await dropRedisPrefix(prefix)
})

test('hit/peek/reset behave as MemoryCounters do, on a real Redis', { skip }, async () => {
  const counters = new RedisCounters(await link(), prefix)
  assert.equal(await counters.peek('k', 1000), null)
  assert.deepEqual(await counters.hit('k', 60_000, 1000), { count: 1, last: 1000 })
  assert.deepEqual(await counters.hit('k', 60_000, 2000), { count: 2, last: 2000 })
  assert.deepEqual(await counters.peek('k', 2500), { count: 2, last: 2000 })
  await counters.reset('k')
  assert.equal(await counters.peek('k', 3000), null)
})

test('a counter expires with its TTL (slid forward by each hit)', { skip }, async () => {
  const counters = new RedisCounters(await link(), prefix)
  await counters.hit('ttl', 150, Date.now())
  await new Promise((resolve) => setTimeout(resolve, 100))
  await counters.hit('ttl', 150, Date.now())
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal((await counters.peek('ttl', Date.now()))?.count, 2)
  await new Promise((resolve) => setTimeout(resolve, 120))
  assert.equal(await counters.peek('ttl', Date.now()), null)
})

test('two instances share one budget: the lockout holds whichever instance the guesser picks', { skip }, async () => {
  const settings = { enabled: true, pairFreeAttempts: 3, pairMaxDelay: 3600, userFreeAttempts: 100, userMaxDelay: 60, ipPerMinute: 1000, ipv4SubnetPerMinute: 1000, ipv6SubnetPerMinute: 1000, globalFailuresPerMinute: 1000, globalDelay: 1000 }
  const a = new LoginLimiter(settings, new RedisCounters(await link(), prefix))
  const b = new LoginLimiter(settings, new RedisCounters(await link(), prefix))
  await a.recordFailure('203.0.113.9', 'carol')
  await b.recordFailure('203.0.113.9', 'carol')
  await a.recordFailure('203.0.113.9', 'Carol')
  await assert.rejects(b.checkLogin('203.0.113.9', 'carol'), { code: 'ERR_AUTH_RATE_LIMITED' })
  await assert.rejects(a.checkLogin('203.0.113.9', 'carol'), { code: 'ERR_AUTH_RATE_LIMITED' })
})

test('Redis unreachable: the counters fall back to memory at once (never a wait), with one warning', async () => {
  const lines: string[] = []
  const log = { info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m) }
  const started = Date.now()
  const down = await link(`redis://127.0.0.1:${await closedPort()}/0`, log)
  const counters = new RedisCounters(down, prefix)
  assert.deepEqual(await counters.hit('k', 60_000, 1000), { count: 1, last: 1000 })
  assert.deepEqual(await counters.hit('k', 60_000, 2000), { count: 2, last: 2000 })
  assert.deepEqual(await counters.peek('k', 2000), { count: 2, last: 2000 })
  await counters.reset('k')
  assert.equal(await counters.peek('k', 2000), null)
  assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`)
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(lines.length, 1, lines.join('\n'))
  assert.match(lines[0]!, /^Redis unavailable \(.*ECONNREFUSED.*\): rate-limit counters fall back to this instance's memory and revocations to the catch-up read$/)
})

test('two instances share the per-network and server-wide login budgets', { skip }, async () => {
  const settings = { enabled: true, pairFreeAttempts: 100, pairMaxDelay: 3600, userFreeAttempts: 100, userMaxDelay: 60, ipPerMinute: 1000, ipv4SubnetPerMinute: 4, ipv6SubnetPerMinute: 4, globalFailuresPerMinute: 6, globalDelay: 200 }
  const now = () => Math.floor(Date.now() / 60_000) * 60_000 + 1000
  const a = new LoginLimiter(settings, new RedisCounters(await link(), prefix), now)
  const b = new LoginLimiter(settings, new RedisCounters(await link(), prefix), now)
  // A sprayer alternating instances and addresses of one /24: the budget is the network's, across both.
  for (let i = 0; i < 4; i++) await (i % 2 ? a : b).recordIp(`198.51.100.${i + 1}`, 'login')
  await assert.rejects(a.checkIp('198.51.100.77', 'login'), { code: 'ERR_AUTH_RATE_LIMITED' })
  await assert.rejects(b.checkIp('198.51.100.78', 'login'), { code: 'ERR_AUTH_RATE_LIMITED' })
  await b.checkIp('198.51.101.1', 'login')
  // Two more failures elsewhere make six on the "server": both instances now slow every login.
  await a.recordIp('192.0.2.1', 'login')
  await b.recordIp('203.0.113.1', 'login')
  const started = performance.now()
  await a.checkIp('192.0.2.200', 'login')
  await b.checkIp('192.0.2.201', 'login')
  assert.ok(performance.now() - started >= 390, `${performance.now() - started} ms`)
})
