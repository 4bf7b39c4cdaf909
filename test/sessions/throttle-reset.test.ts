import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'

const LOGIN = '/accounts/auth/login/'
const REGISTER = '/accounts/auth/register/'
const ATTACKER_IP = '203.0.113.66'
const ATTACKER_PASSWORD = 'the attacker knows this one'

/**
 * Issue 11, finding 1: the attacker registers a look-alike of the victim's name and, from one address,
 * logs in as it after every few wrong guesses of the victim's password, hoping the success resets the
 * victim's counters. It must not: the look-alike cannot exist, and no other account's success resets them.
 */
describe('the per-account login throttle cannot be reset by a look-alike account', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '1000', REGISTRATION_ENABLED: 'true' })
    await createUser(t, 'carol', 'correct horse battery')
  })
  after(() => t.close())

  const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: LOGIN, payload: { username, password }, remoteAddress: ATTACKER_IP })
  const register = (username: string) => t.app.inject({ method: 'POST', url: REGISTER, payload: { username, password: ATTACKER_PASSWORD }, remoteAddress: '198.51.100.1' })

  for (const lookAlike of ['Carol', 'CAROL', 'ｃａｒｏｌ']) {
    test(`'${lookAlike}' cannot be registered next to 'carol'`, async () => {
      const response = await register(lookAlike)
      assert.equal(response.statusCode, 400, response.body)
      assert.deepEqual(response.json(), { username: ['A user with that username already exists.'] })
    })
  }

  test('30 wrong guesses, a success of the attacker\'s own account after every 4: the guesser is throttled all the same', async () => {
    // The attacker's own account: the closest name they can get, and Carol in case registration let it through.
    for (const name of ['Carol', 'carol2']) await register(name)
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) {
      statuses.push((await login('carol', `guess-${i}`)).statusCode)
      if (i % 4 === 3) for (const name of ['Carol', 'carol2']) await login(name, ATTACKER_PASSWORD)
    }
    assert.ok(statuses.includes(429), `the guesser must be throttled: ${statuses.join(',')}`)
    assert.equal((await login('carol', 'correct horse battery')).statusCode, 429, 'the right password waits too')
  })
})
