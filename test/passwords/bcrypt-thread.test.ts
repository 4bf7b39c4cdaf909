import assert from 'node:assert/strict'
import { test } from 'node:test'
import bcrypt from 'bcryptjs'
import { verifyDjangoPassword } from '../../src/passwords/index.js'

/** Keeps this thread busy, as a burst of requests would, for `ms`. */
function blockFor(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end);
}

test('bcrypt runs off the event loop: a cost-12 check finishes while this thread is busy (issue 11, finding 4)', async () => {
  const encoded = `bcrypt$${bcrypt.hashSync('correct horse battery', 12)}`
  assert.equal(await verifyDjangoPassword('correct horse battery', encoded), true, 'warm: the worker is started')
  // On this thread a cost-12 compare is ~0.35 s of work, so it could only finish well after the
  // block ends. On a worker it is done by the time the block ends, and resolves at once.
  // A loaded machine may starve the worker too: up to three tries. On this thread no try could pass,
  // since the compare only starts once the block ends.
  let after = Number.POSITIVE_INFINITY
  for (let attempt = 0; attempt < 3 && after >= 150; attempt++) {
    const check = verifyDjangoPassword('correct horse battery', encoded)
    blockFor(2500)
    const unblocked = performance.now()
    assert.equal(await check, true)
    after = performance.now() - unblocked
  }
  assert.ok(after < 150, `resolved ${after.toFixed(0)} ms after the thread was free: the work was done on this thread`)
  assert.equal(await verifyDjangoPassword('wrong', encoded), false)
})
