import assert from 'node:assert/strict'
import { test } from 'node:test'
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
