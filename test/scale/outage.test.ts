/**
 * Outages, with the instances reaching PostgreSQL and Redis through TCP proxies this test cuts
 * (the shared servers stay up for everyone else): 503 `{detail}` within the timeout for what needs
 * the database, cached authenticated reads keep working, everything recovers by itself.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { pgUnavailable } from '../support/postgres.js'
import { Browser, userStatus } from './client.js'
import { REDIS_URL, redisUnavailable, startCluster, waitUntil, type Cluster } from './cluster.js'
import { TcpProxy } from './proxy.js'

const LOGIN = '/accounts/auth/login/'
const REFRESH = '/accounts/auth/refresh_token/'
const LOGOUT = '/accounts/auth/logout/'
const USER = '/accounts/user/'
const DB_CONNECT_TIMEOUT = 1000
const DB_TIMEOUT = 1000
const CATCHUP_INTERVAL = 500

const skip = (await pgUnavailable()) ?? (await redisUnavailable())

describe('outages', { skip, timeout: 60_000 }, () => {
  let pgProxy: TcpProxy
  let redisProxy: TcpProxy
  let cluster: Cluster
  let A: string, B: string, C: string
  const statuses: number[] = []

  const timed = async (browser: Browser, base: string, method: string, path: string, options: { csrf?: boolean; body?: unknown } = {}) => {
    const started = performance.now()
    const response = await browser.request(base, method, path, options)
    statuses.push(response.status)
    return { ...response, ms: performance.now() - started }
  }
  const ready = async (base: string) => {
    const response = await fetch(`${base}/readyz`)
    statuses.push(response.status)
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  before(async () => {
    pgProxy = await TcpProxy.start(5432)
    redisProxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379))
    cluster = await startCluster(
      3,
      {
        REDIS_URL: `redis://${redisProxy.url}/0`,
        DB_CONNECT_TIMEOUT: `${DB_CONNECT_TIMEOUT}ms`,
        DB_TIMEOUT: `${DB_TIMEOUT}ms`,
        REDIS_TIMEOUT: '200ms',
        CATCHUP_INTERVAL: `${CATCHUP_INTERVAL}ms`,
        USER_CACHE_TTL: '1s',
      },
      (url) => url.replace('127.0.0.1:5432', pgProxy.url),
    )
    ;[A, B, C] = cluster.instances.map((i) => i.url) as [string, string, string]
    await cluster.instances[0]!.app.tessera.createUser({ username: 'alice', password: 'correct horse battery', first_name: 'Alice', last_name: 'Liddell' }, { validatePassword: false })
  })
  after(async () => {
    await cluster?.close()
    await pgProxy?.close()
    await redisProxy?.close()
    assert.ok(!statuses.includes(500), 'no request produced a 500')
  })

  test('PostgreSQL down: 503 {detail} at once for what needs it, cached reads keep working, /readyz 503, then recovery', async () => {
    const browser = new Browser()
    assert.equal((await timed(browser, A, 'POST', LOGIN, { body: { username: 'alice', password: 'correct horse battery' } })).status, 200)
    for (const base of [A, B]) assert.equal((await timed(browser, base, 'GET', USER)).status, 200)

    await pgProxy.cut()
    const needDatabase = [
      () => timed(new Browser(), A, 'POST', LOGIN, { body: { username: 'alice', password: 'correct horse battery' } }),
      () => timed(browser, B, 'POST', REFRESH),
      () => timed(browser, C, 'POST', LOGOUT, { csrf: true }),
    ]
    for (const [i, send] of needDatabase.entries()) {
      const response = await send()
      const path = [LOGIN, REFRESH, LOGOUT][i]
      assert.equal(response.status, 503, `${path}: ${response.text}`)
      assert.equal(typeof response.json().detail, 'string')
      assert.ok(response.ms < DB_CONNECT_TIMEOUT + DB_TIMEOUT + 500, `${path} answered in ${response.ms.toFixed(0)} ms`)
    }
    // Past the user cache's TTL: the entry is stale, and stale is what an outage gets.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    for (const base of [A, B]) {
      const response = await timed(browser, base, 'GET', USER)
      assert.equal(response.status, 200, `cached GET on ${base}: ${response.text}`)
      assert.equal(response.json().username, 'alice')
    }
    const down = await ready(A)
    assert.equal(down.status, 503)
    assert.deepEqual(down.body, { detail: 'Service temporarily unavailable: database unreachable.', checks: { database: 'unavailable', redis: 'ok', mail: 'ok' } })
    assert.equal((await fetch(`${A}/healthz`)).status, 200, 'alive though not ready')

    await pgProxy.restore()
    const recovery = await waitUntil(async () => (await timed(new Browser(), B, 'POST', LOGIN, { body: { username: 'alice', password: 'correct horse battery' } })).status === 200, 10_000, 100)
    for (const base of [A, B, C]) assert.equal((await ready(base)).status, 200)
    assert.equal((await timed(browser, C, 'POST', REFRESH)).status, 200)
    console.log(`# PostgreSQL back: logins succeed again after ${recovery.toFixed(0)} ms`)
    assert.ok(recovery < 5000)
  })

  test('PostgreSQL down right after a login: GET user/ on the instance that logged in still answers 200 (login filled its cache)', async () => {
    const browser = new Browser()
    assert.equal((await timed(browser, A, 'POST', LOGIN, { body: { username: 'alice', password: 'correct horse battery' } })).status, 200)
    await pgProxy.cut()
    try {
      const me = await timed(browser, A, 'GET', USER)
      assert.equal(me.status, 200, me.text)
    } finally {
      await pgProxy.restore()
    }
  })

  test('PostgreSQL hanging (a partition: connections accepted, nothing answers): 503 within the timeouts, never a hang', async () => {
    const browser = new Browser()
    assert.equal((await timed(browser, A, 'POST', LOGIN, { body: { username: 'alice', password: 'correct horse battery' } })).status, 200)
    pgProxy.hang()
    const results = await Promise.all([
      timed(new Browser(), A, 'POST', LOGIN, { body: { username: 'alice', password: 'correct horse battery' } }),
      timed(browser, B, 'POST', REFRESH),
    ])
    for (const response of results) {
      assert.equal(response.status, 503, response.text)
      // The bound: a connection within DB_CONNECT_TIMEOUT, a reply within DB_TIMEOUT (+500 ms client side).
      assert.ok(response.ms < DB_CONNECT_TIMEOUT + DB_TIMEOUT + 1000, `answered in ${response.ms.toFixed(0)} ms`)
    }
    console.log(`# PostgreSQL hanging: 503 after ${results.map((r) => r.ms.toFixed(0)).join(' and ')} ms`)
    const started = performance.now()
    assert.equal((await ready(C)).status, 503)
    assert.ok(performance.now() - started < DB_TIMEOUT + 500)
    await pgProxy.restore()
    const recovery = await waitUntil(async () => (await ready(A)).status === 200 && (await ready(B)).status === 200 && (await ready(C)).status === 200, 10_000, 100)
    assert.equal((await timed(new Browser(), A, 'POST', LOGIN, { body: { username: 'alice', password: 'correct horse battery' } })).status, 200)
    console.log(`# PostgreSQL answering again: every instance ready after ${recovery.toFixed(0)} ms`)
  })

  test('Redis down: logins go on (memory counters), revocations flow by the catch-up read, with a warning; pub/sub resumes', async () => {
    await redisProxy.cut()
    const browser = new Browser()
    assert.equal((await timed(browser, A, 'POST', LOGIN, { body: { username: 'alice', password: 'correct horse battery' } })).status, 200)
    const access = browser.get('access_token')!
    assert.equal(await userStatus(C, access), 200)
    const loggedOut = performance.now()
    assert.equal((await timed(browser, B, 'POST', LOGOUT, { csrf: true })).status, 200)
    await waitUntil(async () => (await userStatus(A, access)) === 401 && (await userStatus(C, access)) === 401, CATCHUP_INTERVAL + 1500)
    const delay = performance.now() - loggedOut
    console.log(`# Redis down: revocation reached A and C by the catch-up read after ${delay.toFixed(0)} ms (CATCHUP_INTERVAL=${CATCHUP_INTERVAL}ms)`)
    for (const instance of cluster.instances) assert.ok(instance.warnings.some((line) => /Redis unavailable.*catch-up read/.test(line)), `warning logged on ${instance.name}`)
    const degraded = await ready(A)
    assert.deepEqual(degraded, { status: 200, body: { status: 'degraded', checks: { database: 'ok', redis: 'unavailable', mail: 'ok' } } })

    await redisProxy.restore()
    const back = await waitUntil(async () => (await ready(A)).body.status === 'ready' && (await ready(B)).body.status === 'ready' && (await ready(C)).body.status === 'ready', 10_000, 100)
    console.log(`# Redis back: every instance reconnected after ${back.toFixed(0)} ms`)
    const again = new Browser()
    assert.equal((await timed(again, A, 'POST', LOGIN, { body: { username: 'alice', password: 'correct horse battery' } })).status, 200)
    const token = again.get('access_token')!
    await waitUntil(async () => (await userStatus(C, token)) === 200, 1000)
    const sent = performance.now()
    assert.equal((await timed(again, B, 'POST', LOGOUT, { csrf: true })).status, 200)
    await waitUntil(async () => (await userStatus(A, token)) === 401 && (await userStatus(C, token)) === 401, 1000, 2)
    console.log(`# Redis back: revocation over pub/sub after ${(performance.now() - sent).toFixed(0)} ms`)
  })
})
