import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { RevocationList, type Store } from '../../src/auth/index.js'
import { StoreUnavailableError } from '../../src/errors.js'
import { startCatchUp, startFlushTimer } from '../../src/scale/catch-up.js'
import { every } from '../../src/scale/periodic.js'
import { openStore, type OpenedStore } from '../../src/store/index.js'

let dir: string
let opened: OpenedStore
let store: Store
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-catchup-'))
  opened = await openStore(join(dir, 'db.sqlite3'))
  await opened.migrate()
  store = opened.store
})
after(async () => {
  await opened.store.close()
  rmSync(dir, { recursive: true, force: true })
})

const logs = () => {
  const lines: string[] = []
  return { lines, info: (m: string) => void lines.push(`info: ${m}`), warn: (m: string) => void lines.push(`warn: ${m}`) }
}

async function session(id: string) {
  const now = Date.now()
  await store.createSession(
    { id, user_id: 1, created_at: now, last_used_at: now, user_agent: '', ip: '', expires_at: now + 60_000, revoked_at: null, revoke_reason: null, client_key: '' },
    { jti: `jti-${id}`, session_id: id, user_id: 1, parent_jti: null, issued_at_s: Math.floor(now / 1000), expires_at_s: Math.floor(now / 1000) + 60, used_at: null, successor_jti: null, revoked_at: null },
  )
}

test('a revocation written by someone else (another instance, the CLI) reaches the set within one interval', async () => {
  await session('by-cli')
  const revocations = new RevocationList(60_000)
  let learned = 0
  const catchUp = startCatchUp({ store, revocations, windowMs: 60_000, now: Date.now, log: logs(), onLearned: (n) => (learned += n) }, 50, Date.now())
  try {
    await store.revokeSession('by-cli', 'password_changed', Date.now())
    const started = Date.now()
    while (!revocations.has('by-cli') && Date.now() - started < 2000) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(revocations.has('by-cli'), true)
    assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`)
    assert.equal(learned, 1)
  } finally {
    await catchUp.stop()
  }
})

test('a failing read warns once per outage, not once per interval, and says when it is back', async () => {
  const log = logs()
  let failing = true
  const flaky = { revokedSince: async (since: number) => (failing ? Promise.reject(new StoreUnavailableError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))) : store.revokedSince(since)) }
  const catchUp = startCatchUp({ store: flaky, revocations: new RevocationList(60_000), windowMs: 60_000, now: Date.now, log }, 20, Date.now())
  await new Promise((resolve) => setTimeout(resolve, 150))
  failing = false
  await new Promise((resolve) => setTimeout(resolve, 100))
  await catchUp.stop()
  assert.deepEqual(log.lines, [
    'warn: database (revocation catch-up) unavailable (connect ECONNREFUSED 127.0.0.1:5432): the catch-up read is retried on every interval',
    'info: database (revocation catch-up) is reachable again',
  ])
})

test('FLUSH_EXPIRED_EVERY: the timer flushes expired tokens by itself', async () => {
  const log = logs()
  const now = Date.now()
  await store.createSession(
    { id: 'expired', user_id: 1, created_at: now - 10_000, last_used_at: now - 10_000, user_agent: '', ip: '', expires_at: now - 1, revoked_at: null, revoke_reason: null, client_key: '' },
    { jti: 'jti-expired', session_id: 'expired', user_id: 1, parent_jti: null, issued_at_s: Math.floor(now / 1000) - 10, expires_at_s: Math.floor(now / 1000) - 1, used_at: null, successor_jti: null, revoked_at: null },
  )
  const timer = startFlushTimer(() => store.flushExpired(Date.now()), 30, log)
  await new Promise((resolve) => setTimeout(resolve, 120))
  await timer.stop()
  assert.equal(await store.findRefresh('jti-expired'), null)
  assert.deepEqual(log.lines, ['info: flushed 1 expired refresh token(s)'])
})

test('a periodic task never runs twice at once; runNow during a run queues exactly one more', async () => {
  let running = 0
  let most = 0
  let runs = 0
  const task = every(5, async () => {
    running++
    most = Math.max(most, running)
    runs++
    await new Promise((resolve) => setTimeout(resolve, 30))
    running--
  })
  await new Promise((resolve) => setTimeout(resolve, 10))
  const before = runs
  void task.runNow()
  void task.runNow()
  await new Promise((resolve) => setTimeout(resolve, 35))
  await task.stop()
  assert.equal(most, 1)
  assert.ok(runs >= before + 1)
})

test('runNow during a run settles once the run it queued is done, not the one under way', async () => {
  const started: number[] = []
  let finished = 0
  const task = every(60_000, async () => {
    started.push(finished)
    await new Promise((resolve) => setTimeout(resolve, 20))
    finished++
  })
  const first = task.runNow()
  const second = task.runNow()
  const third = task.runNow()
  assert.equal(second, third, 'callers asking during one run share the next')
  await first
  assert.equal(finished, 1)
  await second
  assert.equal(finished, 2, 'the queued run is over when its promise settles')
  assert.deepEqual(started, [0, 1], 'it started after the first had ended')
  await task.stop()
})
