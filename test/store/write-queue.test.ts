import assert from 'node:assert/strict'
import { test } from 'node:test'
import { StoreUnavailableError } from '../../src/errors.js'
import { WriteQueue } from '../../src/store/write-queue.js'

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })

/** A lock that another connection holds until `release()`. */
function lock() {
  let held = true
  return { release: () => (held = false), write: <T>(value: T) => () => { if (held) throw busy(); return value } }
}

test('a write with the lock free runs at once, in the caller\'s turn', async () => {
  const queue = new WriteQueue(1000)
  let ran = false
  const result = queue.run(() => (ran = true))
  assert.equal(ran, true)
  assert.equal(await result, true)
})

test('a refused write is retried later, and the writes behind it keep their order', async () => {
  const queue = new WriteQueue(1000)
  const l = lock()
  const order: number[] = []
  const writes = [1, 2, 3].map((n) => queue.run(() => { l.write(n)(); order.push(n); return n }))
  assert.equal(queue.waiting, 3)
  setTimeout(l.release, 30)
  assert.deepEqual(await Promise.all(writes), [1, 2, 3])
  assert.deepEqual(order, [1, 2, 3])
  assert.equal(queue.waiting, 0)
})

test('a write still locked out at its deadline fails with StoreUnavailableError (a 503), carrying SQLite\'s error', async () => {
  const queue = new WriteQueue(50)
  const started = performance.now()
  const error = await queue.run(lock().write(1)).then(() => undefined, (e: unknown) => e)
  assert.ok(error instanceof StoreUnavailableError)
  assert.equal((error.cause as { code: string }).code, 'SQLITE_BUSY')
  const waited = performance.now() - started
  assert.ok(waited >= 45 && waited < 500, `gave up after ${waited.toFixed(0)} ms`)
})

test('other errors (a full disk, a constraint) fail the write at once, without retries', async () => {
  const queue = new WriteQueue(1000)
  let attempts = 0
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
  await assert.rejects(queue.run(() => { attempts++; throw full }), (e: unknown) => e === full)
  assert.equal(attempts, 1)
})

test('retryNow: once the lock is known to be free, the waiting writes run at once, not after their pause', async () => {
  const queue = new WriteQueue(1000)
  const l = lock()
  let wrote = 0
  const writes = [1, 2].map((n) => queue.run(() => { l.write(n)(); wrote++; return n }))
  // Let the pauses grow (1, 2, 4, ... ms) while the lock is held.
  await new Promise((resolve) => setTimeout(resolve, 40))
  l.release()
  queue.retryNow()
  assert.equal(wrote, 2, 'both ran in this turn')
  assert.deepEqual(await Promise.all(writes), [1, 2])
})

test('every write that went through is reported after it ran, refused attempts are not', async () => {
  let reported = 0
  const queue = new WriteQueue(1000, undefined, () => reported++)
  const l = lock()
  await queue.run(() => 1)
  const waiting = queue.run(l.write(2))
  assert.equal(reported, 1)
  l.release()
  queue.retryNow()
  await waiting
  assert.equal(reported, 2)
})
