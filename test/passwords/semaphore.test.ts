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

const django = (iterations: number) => {
  const hash = pbkdf2Sync('correct horse battery', 'semaphoresalt', iterations, 32, 'sha256').toString('base64')
  return `pbkdf2_sha256$${iterations}$semaphoresalt$${hash}`
}

test('the hasher queues a verification behind a running one under a concurrency of 1 (a flood cannot take every core)', async () => {
  const { createPasswordHasher } = await import('../../src/passwords/index.js')
  const slow = django(400_000)
  const quick = django(1)
  // Order, not time: the quick check is submitted second. Bounded to one at a time it must wait for the
  // slow one; unbounded, it would finish first (whatever else the machine is doing).
  for (const [legacyConcurrency, expected] of [[1, ['slow', 'quick']], [4, ['quick', 'slow']]] as const) {
    const hasher = createPasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1, legacyConcurrency })
    const finished: string[] = []
    await Promise.all([
      hasher.verify('correct horse battery', slow).then((r) => finished.push(r.ok ? 'slow' : 'slow failed')),
      hasher.verify('correct horse battery', quick).then((r) => finished.push(r.ok ? 'quick' : 'quick failed')),
    ])
    assert.deepEqual(finished, expected, `legacyConcurrency ${legacyConcurrency}`)
  }
})

test('an argon2 login never waits behind imported hashes: they have their own queue (issue 11, finding 4)', async () => {
  const { createPasswordHasher } = await import('../../src/passwords/index.js')
  const hasher = createPasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1, maxConcurrency: 1, legacyConcurrency: 1, legacyQueue: 8 })
  const argon2 = await hasher.hash('correct horse battery')
  const slow = django(400_000)
  const finished: string[] = []
  await Promise.all([
    ...Array.from({ length: 3 }, (_, i) => hasher.verify('correct horse battery', slow).then(() => finished.push(`legacy ${i}`))),
    hasher.verify('correct horse battery', argon2).then((r) => finished.push(r.ok ? 'argon2' : 'argon2 failed')),
  ])
  assert.equal(finished[0], 'argon2', finished.join(', '))
})

test('imported-hash checks beyond the queue are shed with HashingBusyError (503 + Retry-After), not queued without end', async () => {
  const { createPasswordHasher } = await import('../../src/passwords/index.js')
  const { HashingBusyError } = await import('../../src/errors.js')
  const hasher = createPasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1, legacyConcurrency: 1, legacyQueue: 2 })
  const slow = django(200_000)
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => hasher.verify('correct horse battery', slow)))
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'])
  for (const r of results.slice(3)) {
    const reason = (r as PromiseRejectedResult).reason
    assert.ok(reason instanceof HashingBusyError)
    assert.equal(reason.code, 'ERR_PASSWORD_BUSY')
    assert.ok(reason.retryAfter >= 1)
  }
  assert.equal((await hasher.verify('correct horse battery', slow)).ok, true, 'once the queue drains, checks are taken again')
})
