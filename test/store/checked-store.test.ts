import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { NewUser } from '../../src/auth/index.js'
import { StoreUnavailableError, TesseraError } from '../../src/errors.js'
import { CheckedStore, openStore, type OpenedStore, type StoreOutcome } from '../../src/store/index.js'
import { closedPort } from '../support/net.js'

const alice: NewUser = { username: 'alice', email: '', first_name: '', last_name: '', password: null, is_active: true, is_staff: false, is_superuser: false }

/** The one wrapper around a store, on real databases: what callers see of a driver's errors, and the timing. */
describe('CheckedStore', () => {
  let opened: OpenedStore
  const timings: [string, StoreOutcome][] = []
  let timed: CheckedStore
  before(async () => {
    opened = await openStore(':memory:')
    await opened.migrate()
    timed = CheckedStore.wrap(opened.store, (operation, outcome, seconds) => {
      assert.ok(seconds >= 0 && seconds < 5)
      timings.push([operation, outcome])
    })
  })
  after(() => opened.store.close())

  test("a unique violation is ERR_CONFLICT, where the raw store throws the driver's error", async () => {
    await timed.createUser(alice)
    await assert.rejects(opened.store.inner.createUser(alice), (error: Error) => !(error instanceof TesseraError) && /UNIQUE/.test(error.message))
    await assert.rejects(timed.createUser(alice), (error: TesseraError) => error.code === 'ERR_CONFLICT')
  })

  test('every call is timed with its outcome; an expected miss is ok', async () => {
    timings.length = 0
    assert.equal(await timed.findUserByUsername('nobody'), null)
    await assert.rejects(timed.createUser(alice))
    assert.deepEqual(timings, [['findUserByUsername', 'ok'], ['createUser', 'error']])
  })

  test('wrap never stacks wrappers: it re-wraps the inner store', () => {
    assert.equal(timed.inner, opened.store.inner)
    assert.ok(!(timed.inner instanceof CheckedStore))
  })

  test('a database that does not answer is StoreUnavailableError, timed as unavailable', async () => {
    const down = await openStore(`postgres://postgres@127.0.0.1:${await closedPort()}/nothing`, { connectTimeout: 500 })
    const outcomes: StoreOutcome[] = []
    const store = CheckedStore.wrap(down.store, (_operation, outcome) => outcomes.push(outcome))
    await assert.rejects(store.findUserById(1), StoreUnavailableError)
    assert.deepEqual(outcomes, ['unavailable'])
    await down.store.close()
  })
})
