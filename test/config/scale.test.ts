import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveConfig, type Env } from '../../src/config/index.js'
import { TesseraError } from '../../src/errors.js'

const SECRET_KEY = 'config-test-secret-key-long-enough-0123456789abcdef'

function refuses(env: Env, variable: string): void {
  assert.throws(
    () => resolveConfig({ SECRET_KEY, ...env }),
    (error: unknown) => error instanceof TesseraError && error.code === 'ERR_CONFIG_INVALID' && error.message.includes(variable),
  )
}

describe('config: running many instances', () => {
  it('defaults: no Redis, 10 connections, bounded waits, catch-up every 5 s, no flush timer, open /metrics', () => {
    const config = resolveConfig({ SECRET_KEY })
    assert.deepEqual(config.database, { url: './data/tessera.sqlite3', poolSize: 10, connectTimeout: 3000, timeout: 5000 })
    assert.deepEqual(config.scale, {
      redisUrl: undefined,
      redisPrefix: 'tessera:',
      redisTimeout: 500,
      catchupInterval: 5000,
      flushExpiredEvery: 0,
      readyRequiresRedis: false,
      metricsToken: undefined,
    })
  })

  it('reads every variable, durations in any unit', () => {
    const config = resolveConfig({
      SECRET_KEY,
      REDIS_URL: 'rediss://user:pw@redis.internal:6380/2',
      REDIS_PREFIX: 'app1:',
      REDIS_TIMEOUT: '250ms',
      DB_POOL_SIZE: '25',
      DB_CONNECT_TIMEOUT: '2s',
      DB_TIMEOUT: '1.5s',
      CATCHUP_INTERVAL: '1m',
      FLUSH_EXPIRED_EVERY: '1h',
      READY_REQUIRES_REDIS: 'true',
      METRICS_TOKEN: 'scrape',
    })
    assert.deepEqual(config.database, { url: './data/tessera.sqlite3', poolSize: 25, connectTimeout: 2000, timeout: 1500 })
    assert.equal(config.scale.redisUrl, 'rediss://user:pw@redis.internal:6380/2')
    assert.equal(config.scale.redisTimeout, 250)
    assert.equal(config.scale.catchupInterval, 60_000)
    assert.equal(config.scale.flushExpiredEvery, 3_600_000)
    assert.equal(config.scale.readyRequiresRedis, true)
    assert.equal(config.scale.metricsToken, 'scrape')
    for (const off of ['0', 'off', 'false']) assert.equal(resolveConfig({ SECRET_KEY, FLUSH_EXPIRED_EVERY: off }).scale.flushExpiredEvery, 0)
  })

  it('refuses what would silently misbehave, naming the variable', () => {
    refuses({ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL')
    refuses({ REDIS_URL: '127.0.0.1:6379' }, 'REDIS_URL')
    refuses({ DB_POOL_SIZE: '0' }, 'DB_POOL_SIZE')
    refuses({ DB_POOL_SIZE: 'many' }, 'DB_POOL_SIZE')
    refuses({ DB_TIMEOUT: '10ms' }, 'DB_TIMEOUT')
    refuses({ DB_CONNECT_TIMEOUT: '-1s' }, 'DB_CONNECT_TIMEOUT')
    refuses({ CATCHUP_INTERVAL: '5ms' }, 'CATCHUP_INTERVAL')
    refuses({ FLUSH_EXPIRED_EVERY: '100ms' }, 'FLUSH_EXPIRED_EVERY')
    refuses({ FLUSH_EXPIRED_EVERY: 'hourly' }, 'FLUSH_EXPIRED_EVERY')
    refuses({ READY_REQUIRES_REDIS: 'maybe' }, 'READY_REQUIRES_REDIS')
  })

  it('a REDIS_URL with a password is never echoed in the error', () => {
    assert.throws(() => resolveConfig({ SECRET_KEY, REDIS_URL: 'http://user:hunter2@redis:6379' }), (error: Error) => !error.message.includes('hunter2'))
  })
})
