import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LoginLimiter, MemoryCounters } from '../../src/auth/index.js'
import type { RateLimitSettings } from '../../src/config/index.js'
import { RateLimitedError } from '../../src/errors.js'

const SETTINGS: RateLimitSettings = {
  enabled: true,
  pairFreeAttempts: 5,
  pairMaxDelay: 3600,
  userFreeAttempts: 20,
  userMaxDelay: 60,
  ipPerMinute: 60,
  ipv4SubnetPerMinute: 240,
  ipv6SubnetPerMinute: 120,
  globalFailuresPerMinute: 1000,
  globalDelay: 1000,
}

function limiter(settings: Partial<RateLimitSettings> = {}) {
  const clock = { now: 1_700_000_000_000 }
  return { clock, limiter: new LoginLimiter({ ...SETTINGS, ...settings }, new MemoryCounters(), () => clock.now) }
}

async function waitOf(promise: Promise<void>): Promise<number> {
  try {
    await promise
    return 0
  } catch (error) {
    assert.ok(error instanceof RateLimitedError)
    assert.equal(error.code, 'ERR_AUTH_RATE_LIMITED')
    assert.match(error.message, /^Request was throttled\. Expected available in \d+ seconds\.$/)
    return error.retryAfter
  }
}

describe('LoginLimiter: one guesser on one address (IP + username)', () => {
  it('allows the free attempts, then doubles the wait with each further failure', async () => {
    const { clock, limiter: l } = limiter()
    for (let i = 0; i < 5; i++) {
      assert.equal(await waitOf(l.checkLogin('1.2.3.4', 'alice')), 0)
      await l.recordFailure('1.2.3.4', 'alice')
    }
    assert.equal(await waitOf(l.checkLogin('1.2.3.4', 'alice')), 1)
    clock.now += 1000
    assert.equal(await waitOf(l.checkLogin('1.2.3.4', 'alice')), 0)
    await l.recordFailure('1.2.3.4', 'alice')
    assert.equal(await waitOf(l.checkLogin('1.2.3.4', 'alice')), 2)
    clock.now += 2000
    await l.recordFailure('1.2.3.4', 'alice')
    assert.equal(await waitOf(l.checkLogin('1.2.3.4', 'alice')), 4)
  })

  it('caps the wait at pairMaxDelay', async () => {
    const { limiter: l } = limiter({ pairMaxDelay: 30, userFreeAttempts: 1000 })
    for (let i = 0; i < 40; i++) await l.recordFailure('1.2.3.4', 'alice')
    assert.equal(await waitOf(l.checkLogin('1.2.3.4', 'alice')), 30)
  })

  it('does not slow another address or another username', async () => {
    const { limiter: l } = limiter()
    for (let i = 0; i < 10; i++) await l.recordFailure('1.2.3.4', 'alice')
    assert.equal(await waitOf(l.checkLogin('5.6.7.8', 'alice')), 0)
    assert.equal(await waitOf(l.checkLogin('1.2.3.4', 'bob')), 0)
  })

  it('counts usernames case-insensitively (ALICE and alice are one target)', async () => {
    const { limiter: l } = limiter()
    for (let i = 0; i < 6; i++) await l.recordFailure('1.2.3.4', i % 2 ? 'ALICE' : 'alice')
    assert.ok((await waitOf(l.checkLogin('1.2.3.4', 'Alice'))) > 0)
  })

  it('counts width variants as the same name (ａｌｉｃｅ is alice): the canonical key, as the store uses', async () => {
    const { limiter: l } = limiter()
    for (let i = 0; i < 6; i++) await l.recordFailure('1.2.3.4', i % 2 ? 'ＡＬＩＣＥ' : 'ａｌｉｃｅ')
    assert.ok((await waitOf(l.checkLogin('1.2.3.4', 'alice'))) > 0)
  })

  it('a success resets the counters', async () => {
    const { limiter: l } = limiter()
    for (let i = 0; i < 4; i++) await l.recordFailure('1.2.3.4', 'alice')
    await l.recordSuccess('1.2.3.4', 'alice')
    for (let i = 0; i < 4; i++) await l.recordFailure('1.2.3.4', 'alice')
    assert.equal(await waitOf(l.checkLogin('1.2.3.4', 'alice')), 0)
  })
})

describe('LoginLimiter: a botnet against one username', () => {
  it('slows the username from any address after userFreeAttempts, capped at userMaxDelay', async () => {
    const { limiter: l } = limiter({ userFreeAttempts: 3, userMaxDelay: 8 })
    for (let i = 0; i < 3; i++) await l.recordFailure(`10.0.0.${i}`, 'alice')
    assert.equal(await waitOf(l.checkLogin('10.0.1.1', 'alice')), 1)
    for (let i = 0; i < 10; i++) await l.recordFailure(`10.0.2.${i}`, 'alice')
    assert.equal(await waitOf(l.checkLogin('10.0.1.1', 'alice')), 8)
  })
})

describe('LoginLimiter: requests per IP per minute', () => {
  it('refuses attempts after ipPerMinute recorded ones within a minute, with the seconds left, and resets next minute', async () => {
    const { clock, limiter: l } = limiter({ ipPerMinute: 3 })
    clock.now = Math.floor(clock.now / 60_000) * 60_000 + 15_000
    for (let i = 0; i < 3; i++) {
      assert.equal(await waitOf(l.checkIp('1.2.3.4', 'login')), 0)
      await l.recordIp('1.2.3.4', 'login')
    }
    assert.equal(await waitOf(l.checkIp('1.2.3.4', 'login')), 45)
    assert.equal(await waitOf(l.checkIp('1.2.3.4', 'refresh')), 0, 'each action has its own budget')
    assert.equal(await waitOf(l.checkIp('9.9.9.9', 'login')), 0, 'each address has its own budget')
    clock.now += 45_000
    assert.equal(await waitOf(l.checkIp('1.2.3.4', 'login')), 0)
  })
})

describe('LoginLimiter: disabled', () => {
  it('never throttles when RATE_LIMIT_ENABLED=false', async () => {
    const { limiter: l } = limiter({ enabled: false, ipPerMinute: 1, pairFreeAttempts: 1 })
    for (let i = 0; i < 5; i++) {
      await l.recordFailure('1.2.3.4', 'alice')
      assert.equal(await waitOf(l.checkIp('1.2.3.4', 'login')), 0)
    }
    assert.equal(await waitOf(l.checkLogin('1.2.3.4', 'alice')), 0)
  })
})

describe('MemoryCounters', () => {
  it('counts within the TTL and starts again after it', async () => {
    const c = new MemoryCounters()
    assert.deepEqual(await c.hit('k', 1000, 0), { count: 1, last: 0, expires: 1000 })
    assert.equal((await c.hit('k', 1000, 500)).count, 2)
    assert.equal((await c.peek('k', 500))?.count, 2)
    assert.equal(await c.peek('k', 1500), null)
    assert.equal((await c.hit('k', 1000, 1600)).count, 1)
    await c.reset('k')
    assert.equal(await c.peek('k', 1600), null)
  })
})
