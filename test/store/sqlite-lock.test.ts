/**
 * Issue 12, defect 2: another process holding SQLite's write lock must not freeze this one. With
 * better-sqlite3's synchronous calls and `busy_timeout = 5000`, every write that found the lock taken
 * stopped the event loop for up to 5 s. Now a write waits for the lock between turns of the event loop
 * (BUSY_TIMEOUT_MS per attempt) and answers 503 at DB_TIMEOUT; reads and `/healthz` keep answering.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookiesOf, loginCookies, REFRESH, USER } from '../http/helpers.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Another process takes `BEGIN EXCLUSIVE` on the file and keeps it for `ms`; resolves once it holds it. */
async function holdLock(file: string, ms: number): Promise<{ released: Promise<unknown> }> {
  const script = `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN EXCLUSIVE'); console.log('locked');
    setTimeout(() => { db.exec('COMMIT'); db.close() }, Number(process.argv[2]))`
  const child = spawn(process.execPath, ['-e', script, file, String(ms)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  const released = once(child, 'exit')
  await once(child.stdout, 'data')
  return { released }
}

/** Times `send` repeatedly until `until` settles; returns the slowest answer (ms). */
async function slowestWhile(until: Promise<unknown>, send: () => Promise<{ statusCode: number }>): Promise<number> {
  let done = false
  void until.finally(() => (done = true))
  let slowest = 0
  while (!done) {
    const started = performance.now()
    const response = await send()
    assert.equal(response.statusCode, 200)
    slowest = Math.max(slowest, performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return slowest
}

describe('SQLite write lock held by another process', () => {
  let t: TestApp
  let file: string
  before(async () => {
    t = await createTestApp({ DB_TIMEOUT: '1s' })
    file = t.config.database.url
    await createUser(t)
  })
  after(() => t.close())

  const refresh = (token: string) => t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie: `refresh_token=${token}` } })

  test('a write past DB_TIMEOUT answers 503 with Retry-After while /healthz, cached GET user/ and the event loop stay fast; the token still works after', async () => {
    const s = await loginCookies(t)
    const me = () => t.app.inject({ url: USER, headers: { cookie: `access_token=${s.access}` } })
    assert.equal((await me()).statusCode, 200) // fills the user cache
    const lock = await holdLock(file, 2500)
    const loop = monitorEventLoopDelay({ resolution: 5 })
    loop.enable()
    const started = performance.now()
    const refused = refresh(s.refresh).then((response) => ({ response, ms: performance.now() - started }))
    const [healthz, user, { response, ms }] = await Promise.all([
      slowestWhile(refused, () => t.app.inject({ url: '/healthz' })),
      slowestWhile(refused, me),
      refused,
    ])
    loop.disable()
    assert.equal(response.statusCode, 503, response.body)
    assert.equal(typeof response.json().detail, 'string')
    assert.equal(response.headers['retry-after'], '1')
    assert.ok(ms >= 900 && ms < 2000, `the refused write took ${ms.toFixed(0)} ms (DB_TIMEOUT 1 s)`)
    const stalled = loop.max / 1e6
    assert.ok(healthz < 200 && user < 200 && stalled < 200, `slowest /healthz ${healthz.toFixed(0)} ms, GET user/ ${user.toFixed(0)} ms, event loop stalled ${stalled.toFixed(0)} ms`)
    await lock.released
    const retried = await refresh(s.refresh)
    assert.equal(retried.statusCode, 200, 'the refused rotation wrote nothing: the same token rotates now')
  })

  test('a write that gets the lock within DB_TIMEOUT succeeds once it is released', async () => {
    const s = await loginCookies(t)
    const lock = await holdLock(file, 300)
    const started = performance.now()
    const response = await refresh(s.refresh)
    const ms = performance.now() - started
    assert.equal(response.statusCode, 200, response.body)
    assert.ok(cookiesOf(response).refresh_token?.value)
    assert.ok(ms >= 200, `answered after ${ms.toFixed(0)} ms, while the lock was held`)
    await lock.released
  })
})
