import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'

const LOGIN = '/accounts/auth/login/'

describe('login rate limiting and lockout', () => {
  let t: TestApp
  let clock = Date.now()
  before(async () => {
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '1000' }, { now: () => clock })
    await createUser(t)
  })
  after(() => t.close())

  const attempt = (password: string, ip = '203.0.113.7') =>
    t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password }, remoteAddress: ip })

  test('30 wrong passwords for one user from one address are throttled with 429 and Retry-After', async () => {
    const statuses: number[] = []
    let retryAfter: string | undefined
    for (let i = 0; i < 30; i++) {
      const response = await attempt(`wrong-${i}`)
      statuses.push(response.statusCode)
      if (response.statusCode === 429) retryAfter ??= response.headers['retry-after'] as string
    }
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401], 'the first five failures are ordinary')
    assert.ok(statuses.filter((s) => s === 429).length >= 20, `throttled: ${statuses.join(',')}`)
    assert.ok(Number(retryAfter) >= 1)
    const blocked = await attempt('correct horse battery')
    assert.equal(blocked.statusCode, 429, 'even the right password waits: the guesser learns nothing')
  })

  test('a patient guesser who waits out each delay waits twice as long after every failure', async () => {
    const waits: number[] = []
    for (let i = 0; i < 25; i++) {
      let response = await attempt(`patient-${i}`)
      if (response.statusCode === 429) {
        const wait = Number(response.headers['retry-after'])
        waits.push(wait)
        clock += wait * 1000
        response = await attempt(`patient-${i}`)
      }
      assert.equal(response.statusCode, 401)
    }
    assert.ok(waits.length >= 10, waits.join(','))
    for (let i = 1; i < waits.length; i++) assert.ok(waits[i]! >= waits[i - 1]!, `delays never shrink: ${waits.join(',')}`)
    assert.equal(waits.at(-1), 3600, `the pair's delay reaches its cap, an hour: ${waits.join(',')}`)
  })

  test('a botnet (one guess per address) throttles the username, but the owner waits at most the cap (60 s)', async () => {
    for (let i = 0; i < 30; i++) await attempt(`botnet-${i}`, `192.0.2.${i + 1}`)
    const owner = (password: string) => t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password }, remoteAddress: '198.51.100.20' })
    let response = await owner('correct horse battery')
    assert.equal(response.statusCode, 429, 'after many failures from anywhere the username itself is throttled')
    const wait = Number(response.headers['retry-after'])
    assert.ok(wait <= 60, `but only up to the cap: ${wait}`)
    clock += wait * 1000
    response = await owner('correct horse battery')
    assert.equal(response.statusCode, 200)
  })

  test('meanwhile the guessing address stays throttled well beyond that cap', async () => {
    const response = await attempt('wrong-again')
    assert.equal(response.statusCode, 429)
    assert.ok(Number(response.headers['retry-after']) > 60)
  })
})

describe('per-IP request budget', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '5' })
  })
  after(() => t.close())

  test('more than RATE_LIMIT_IP_PER_MINUTE refreshes from one address get 429', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) {
      const response = await t.app.inject({ method: 'POST', url: '/accounts/auth/refresh_token/', headers: { cookie: 'refresh_token=garbage' }, remoteAddress: '203.0.113.9' })
      statuses.push(response.statusCode)
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429])
  })
})
