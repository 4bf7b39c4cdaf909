import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'
import { closedPort } from '../support/net.js'

/** Asserts a line of the exposition matches, without dumping the whole text on failure. */
function hasLine(text: string, pattern: RegExp): void {
  const lines = text.split('\n')
  assert.ok(lines.some((line) => pattern.test(line)), `no line matches ${pattern}; tessera lines:\n${lines.filter((l) => l.startsWith('tessera_') && !l.includes('_bucket')).join('\n')}`)
}

describe('operations endpoints', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  test('GET /healthz: alive, never cached', async () => {
    const response = await t.app.inject({ url: '/healthz' })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), { status: 'ok' })
    assert.equal(response.headers['cache-control'], 'no-store')
  })

  test('GET /readyz: 200 while the database answers; Redis reported as not configured', async () => {
    const response = await t.app.inject({ url: '/readyz' })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), { status: 'ready', checks: { database: 'ok', redis: 'not configured', mail: 'ok' } })
  })

  test('GET /metrics: requests by route pattern and status, login failures, revocations, database latency', async () => {
    const jar = new Jar(t.app)
    assert.equal((await jar.login('alice', 'wrong password')).statusCode, 401)
    assert.equal((await jar.login()).statusCode, 200)
    assert.equal((await jar.request('POST', '/accounts/auth/logout/', { csrf: true })).statusCode, 200)
    const response = await t.app.inject({ url: '/metrics' })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/)
    const text = response.body
    hasLine(text, /^tessera_http_requests_total\{method="POST",route="\/accounts\/auth\/login\/",status="401"\} 1$/)
    hasLine(text, /^tessera_http_requests_total\{method="POST",route="\/accounts\/auth\/login\/",status="200"\} 1$/)
    hasLine(text, /^tessera_http_request_duration_seconds_count\{method="POST",route="\/accounts\/auth\/logout\/"\} 1$/)
    hasLine(text, /^tessera_login_failures_total\{cause="invalid_credentials"\} 1$/)
    hasLine(text, /^tessera_revocations_total\{source="local"\} 1$/)
    hasLine(text, /^tessera_revoked_sessions 1$/)
    hasLine(text, /^tessera_db_duration_seconds_count\{operation="findUserByUsername",outcome="ok"\} [1-9]\d*$/)
    hasLine(text, /^tessera_refresh_reuse_detected_total 0$/)
    hasLine(text, /^process_resident_memory_bytes \d+/)
  })

  test('a scanner probing random paths cannot create a metric series per path (all are "unmatched")', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await t.app.inject({ url: `/wp-admin/${i}-${Math.random()}` })).statusCode, 404)
    const text = (await t.app.inject({ url: '/metrics' })).body
    assert.doesNotMatch(text, /wp-admin/)
    hasLine(text, /^tessera_http_requests_total\{method="GET",route="unmatched",status="404"\} 5$/)
  })
})

test('METRICS_TOKEN: /metrics refuses a scrape without the token or with a wrong one', async () => {
  const t = await createTestApp({ METRICS_TOKEN: 's3cret-scrape-token' })
  try {
    for (const authorization of [undefined, 'Bearer wrong', 'Bearer s3cret-scrape-token-longer', 's3cret-scrape-token', 'Basic czNjcmV0']) {
      const response = await t.app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} })
      assert.equal(response.statusCode, 401, String(authorization))
      assert.equal(typeof response.json().detail, 'string')
      assert.doesNotMatch(response.body, /tessera_/)
    }
    assert.equal((await t.app.inject({ url: '/metrics', headers: { authorization: 'Bearer s3cret-scrape-token' } })).statusCode, 200)
    assert.equal((await t.app.inject({ url: '/healthz' })).statusCode, 200, 'the probes stay open')
  } finally {
    await t.close()
  }
})

test('Redis unreachable: logins still work, /readyz says degraded (200), or 503 with READY_REQUIRES_REDIS', async () => {
  const url = `redis://127.0.0.1:${await closedPort()}/0`
  const lenient = await createTestApp({ REDIS_URL: url, RATE_LIMIT_ENABLED: 'true' })
  const strict = await createTestApp({ REDIS_URL: url, READY_REQUIRES_REDIS: 'true' })
  try {
    await createUser(lenient)
    assert.equal((await new Jar(lenient.app).login()).statusCode, 200)
    const degraded = await lenient.app.inject({ url: '/readyz' })
    assert.equal(degraded.statusCode, 200)
    assert.deepEqual(degraded.json(), { status: 'degraded', checks: { database: 'ok', redis: 'unavailable', mail: 'ok' } })
    const refused = await strict.app.inject({ url: '/readyz' })
    assert.equal(refused.statusCode, 503)
    assert.deepEqual(refused.json(), { detail: 'Service temporarily unavailable: Redis unreachable.', checks: { database: 'ok', redis: 'unavailable', mail: 'ok' } })
  } finally {
    await lenient.close()
    await strict.close()
  }
})
