import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pbkdf2Sync } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { createSemaphore } from '../../src/passwords/semaphore.js'

test('a login flood cannot run more hashes at once than the limit (the request thread keeps its core)', async () => {
  const run = createSemaphore(2)
  let active = 0
  let peak = 0
  const order: number[] = []
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      run(async () => {
        peak = Math.max(peak, ++active)
        await sleep(5)
        order.push(i)
        active--
      }),
    ),
  )
  assert.equal(peak, 2)
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7], 'in arrival order')
})

test('a failing task frees its slot', async () => {
  const run = createSemaphore(1)
  await assert.rejects(run(async () => { throw new Error('boom') }), /boom/)
  assert.equal(await run(async () => 42), 42)
})

test('the hasher runs verifications one at a time under maxConcurrency 1 (a flood queues instead of taking every core)', async () => {
  const { createPasswordHasher } = await import('../../src/passwords/index.js')
  // A Django pbkdf2 hash: pure CPU on the thread pool, so unbounded verifications run side by side on
  // two or more cores (argon2 here is bound by memory bandwidth and would hide the difference).
  const iterations = 150_000
  const salt = 'semaphoresalt'
  const hash = pbkdf2Sync('correct horse battery', salt, iterations, 32, 'sha256').toString('base64')
  const encoded = `pbkdf2_sha256$${iterations}$${salt}$${hash}`
  const timeFour = async (maxConcurrency: number) => {
    const hasher = createPasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1, maxConcurrency })
    let single = Infinity
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now()
      assert.equal((await hasher.verify('correct horse battery', encoded)).ok, true)
      single = Math.min(single, performance.now() - t0)
    }
    const t0 = performance.now()
    await Promise.all(Array.from({ length: 4 }, () => hasher.verify('correct horse battery', encoded)))
    return { four: performance.now() - t0, single }
  }
  // The fastest single verification bounds each of the four from below: one at a time, they take at least
  // four times as long. (Unbounded, on two cores, about half that: the check below then fails.)
  const { four, single } = await timeFour(1)
  assert.ok(four >= 3.2 * single, `four verifications took ${four.toFixed(1)} ms, one ${single.toFixed(1)} ms`)
})
