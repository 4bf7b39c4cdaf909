/**
 * Three Tessera instances on loopback ports sharing one PostgreSQL database and Redis: they must
 * behave as one server (issue 4: concurrency across instances, revocation broadcast, shared limits).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { pgQuery, pgUnavailable } from '../support/postgres.js'
import { Browser, setCookieValue, userStatus } from './client.js'
import { redisUnavailable, startCluster, waitUntil, type Cluster } from './cluster.js'
import { runtimeOf } from '../../src/http/index.js'
import { migrationProvider } from '../../src/store/migrations.js'

const LOGIN = '/accounts/auth/login/'
const REFRESH = '/accounts/auth/refresh_token/'
const LOGOUT = '/accounts/auth/logout/'
const USER = '/accounts/user/'

const skip = (await pgUnavailable()) ?? (await redisUnavailable())

describe('three instances on one PostgreSQL and Redis', { skip, timeout: 60_000 }, () => {
  let cluster: Cluster
  let A: string, B: string, C: string
  before(async () => {
    // Started together: their migrations race for Kysely's advisory lock.
    cluster = await startCluster(3, { REFRESH_REUSE_GRACE: '2s' })
    ;[A, B, C] = cluster.instances.map((i) => i.url) as [string, string, string]
    await cluster.instances[0]!.app.tessera.createUser({ username: 'alice', password: 'correct horse battery', first_name: 'Alice', last_name: 'Liddell' }, { validatePassword: false })
  })
  after(() => cluster?.close())

  test('each instance passes the contract checks on its own', async () => {
    for (const base of [A, B, C]) {
      const browser = new Browser()
      const anonymous = await browser.request(base, 'GET', USER)
      assert.equal(anonymous.status, 401)
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="api"')
      assert.equal(anonymous.json().detail, 'Authentication credentials were not provided.')
      assert.match(String((await browser.request(base, 'GET', '/accounts/csrf_token/')).json().token), /^[a-zA-Z0-9]{64}$/)
      assert.match(browser.get('csrftoken')!, /^[a-zA-Z0-9]{32}$/)
      const wrong = await browser.login(base, 'alice', 'wrong password')
      assert.equal(wrong.status, 401)
      assert.equal(typeof wrong.json().detail, 'string')
      assert.equal((await browser.request(base, 'POST', LOGIN, { body: { username: 'alice' } })).json().password?.toString(), 'This field is required.')
      assert.equal((await browser.request(base, 'GET', '/accounts/nope/')).status, 404)
      assert.equal((await browser.request(base, 'GET', LOGIN)).status, 405)
      assert.equal((await browser.login(base)).status, 200)
      assert.notEqual(browser.get('csrftoken'), undefined)
      assert.deepEqual((await browser.request(base, 'GET', USER)).json(), { id: 1, username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: '', email_verified: false })
      const before = browser.get('refresh_token')
      assert.equal((await browser.request(base, 'POST', REFRESH)).status, 200)
      assert.notEqual(browser.get('refresh_token'), before)
      assert.equal((await browser.request(base, 'POST', LOGOUT)).status, 403, 'a cookie-authenticated logout without the CSRF token')
      assert.equal((await browser.request(base, 'POST', LOGOUT, { csrf: true })).status, 200)
      assert.equal(browser.get('access_token'), undefined)
      const ready = await fetch(`${base}/readyz`)
      assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok', redis: 'ok', mail: 'ok' } })
    }
  })

  test('every instance uses Redis for its broadcast', () => {
    assert.deepEqual(cluster.instances.map((i) => runtimeOf(i.app).broadcast), ['redis', 'redis', 'redis'])
  })

  test('migrations ran once though three instances started at once', async () => {
    const rows = await pgQuery(cluster.database.url, 'select name from tessera_migration order by name')
    assert.deepEqual(rows.map((r) => r.name), Object.keys(await migrationProvider('postgres').getMigrations()).sort())
  })

  test('login on A, refresh on B, user on C, logout on A: one server; the old refresh token is dead on B', async () => {
    const browser = new Browser()
    assert.equal((await browser.login(A)).status, 200)
    assert.equal((await browser.request(B, 'POST', REFRESH)).status, 200)
    assert.equal((await browser.request(C, 'GET', USER)).status, 200)
    const refresh = browser.get('refresh_token')!
    assert.equal((await browser.request(A, 'POST', LOGOUT, { csrf: true })).status, 200)
    const replay = await fetch(B + REFRESH, { method: 'POST', headers: { cookie: `refresh_token=${refresh}` } })
    assert.equal(replay.status, 401)
  })

  test('50 simultaneous refreshes of one token over 3 instances: exactly one successor, every 200 carries it, the session lives', async () => {
    const browser = new Browser()
    assert.equal((await browser.login(A)).status, 200)
    const original = browser.get('refresh_token')!
    const bases = [A, B, C]
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => fetch(bases[i % 3]! + REFRESH, { method: 'POST', headers: { cookie: `refresh_token=${original}` } }).then(async (r) => ({ status: r.status, refresh: setCookieValue(r.headers, 'refresh_token'), body: await r.text() }))),
    )
    const statuses = responses.map((r) => r.status)
    assert.deepEqual(statuses, Array(50).fill(200), JSON.stringify(responses.filter((r) => r.status !== 200).slice(0, 3)))
    const successors = new Set(responses.map((r) => r.refresh))
    assert.equal(successors.size, 1, `distinct refresh tokens: ${successors.size}`)
    const successor = [...successors][0]!
    const jti = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string
    const children = await pgQuery(cluster.database.url, 'select jti from auth_refresh_token where parent_jti = $1', [jti(original)])
    assert.deepEqual(children.map((r) => r.jti), [jti(successor)])
    // The session is alive: the successor refreshes, on any instance.
    browser.cookies.set('refresh_token', { value: successor, path: '/accounts/auth/' })
    assert.equal((await browser.request(C, 'POST', REFRESH)).status, 200)
    assert.equal((await browser.request(B, 'GET', USER)).status, 200)
  })

  test('a rotated token replayed on C after the grace window is theft: 401, and the access token dies on A and B', async () => {
    const browser = new Browser()
    assert.equal((await browser.login(A)).status, 200)
    const stolen = browser.get('refresh_token')!
    assert.equal((await browser.request(B, 'POST', REFRESH)).status, 200)
    const access = browser.get('access_token')!
    assert.equal(await userStatus(A, access), 200)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const replay = await fetch(C + REFRESH, { method: 'POST', headers: { cookie: `refresh_token=${stolen}` } })
    assert.equal(replay.status, 401)
    assert.match(((await replay.json()) as { detail: string }).detail, /reuse/i)
    const delay = await waitUntil(async () => (await userStatus(A, access)) === 401 && (await userStatus(B, access)) === 401, 1000)
    console.log(`# reuse detected on C: access token refused on A and B after ${delay.toFixed(0)} ms`)
    const metrics = await (await fetch(`${C}/metrics`)).text()
    assert.match(metrics, /^tessera_refresh_reuse_detected_total 1$/m)
  })

  test('login on A, logout on B: the access token is refused on A and C within 1 s (Redis pub/sub)', async () => {
    const browser = new Browser()
    assert.equal((await browser.login(A)).status, 200)
    const access = browser.get('access_token')!
    assert.equal(await userStatus(A, access), 200)
    assert.equal(await userStatus(C, access), 200)
    const loggedOut = performance.now()
    assert.equal((await browser.request(B, 'POST', LOGOUT, { csrf: true })).status, 200)
    const onA = waitUntil(async () => (await userStatus(A, access)) === 401, 1000, 2)
    const onC = waitUntil(async () => (await userStatus(C, access)) === 401, 1000, 2)
    await Promise.all([onA, onC])
    const delay = performance.now() - loggedOut
    console.log(`# revocation over Redis pub/sub: refused on A and C ${delay.toFixed(1)} ms after the logout was sent to B`)
    assert.ok(delay < 1000)
    const metrics = await (await fetch(`${A}/metrics`)).text()
    assert.match(metrics, /^tessera_revocations_total\{source="broadcast"\} [1-9]/m)
  })

  test('login throttling is shared: failures spread over A, B and C meet one budget (RedisCounters)', async () => {
    // The attack: a guesser rotating over the instances, each of which would allow a few failures.
    const limited = await startCluster(3, { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PAIR_FREE_ATTEMPTS: '3', RATE_LIMIT_USER_FREE_ATTEMPTS: '100' })
    try {
      const [a, b, c] = limited.instances.map((i) => i.url) as [string, string, string]
      await limited.instances[0]!.app.tessera.createUser({ username: 'bob', password: 'correct horse battery' }, { validatePassword: false })
      const guess = (base: string) => fetch(base + LOGIN, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bob', password: 'wrong guess' }) })
      for (const base of [a, b, c]) assert.equal((await guess(base)).status, 401)
      for (const base of [a, b, c]) {
        const response = await guess(base)
        assert.equal(response.status, 429, `a fourth guess on ${base}`)
        assert.ok(Number(response.headers.get('retry-after')) >= 1)
      }
      const metrics = await (await fetch(`${a}/metrics`)).text()
      assert.match(metrics, /^tessera_login_failures_total\{cause="invalid_credentials"\} 1$/m)
    } finally {
      await limited.close()
    }
  })
})
