import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { LOGIN, PASSWORD, setCookieLine } from './helpers.js'

/** NODE_ENV=production as an operator runs it over this suite's HTTP: OWASP's argon2 memory, a host list. */
const PRODUCTION = { NODE_ENV: 'production', ARGON2_MEMORY_COST: '19456', ALLOWED_HOSTS: 'localhost' }
const METRICS_TOKEN = 'scrape-token-0123456789'

const failureLines = (metrics: string) => metrics.split('\n').filter((line) => line.startsWith('tessera_login_failures_total'))

describe('production: /metrics does not tell which usernames exist', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ...PRODUCTION, METRICS_TOKEN })
    await createUser(t, 'alice')
    const bob = await createUser(t, 'bob')
    await t.app.tessera.setActive(bob.id, false)
  })
  after(() => t.close())

  const scrape = async () => (await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body
  const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: LOGIN, payload: { username, password } })

  test('an unknown user, a wrong password and the right password of a disabled account move the metrics alike', async () => {
    // The attack: try a name, scrape, compare. Each kind of failure must change exactly the same line.
    const moved: string[][] = []
    for (const [username, password] of [['nobody-here', 'x'], ['alice', 'wrong'], ['bob', PASSWORD]] as const) {
      const before = failureLines(await scrape())
      assert.equal((await login(username, password)).statusCode, 401)
      const after = failureLines(await scrape())
      moved.push(after.filter((line) => !before.includes(line)).map((line) => line.replace(/ \d+$/, '')))
    }
    assert.deepEqual(moved, [['tessera_login_failures_total{cause="invalid_credentials"}'], ['tessera_login_failures_total{cause="invalid_credentials"}'], ['tessera_login_failures_total{cause="invalid_credentials"}']])
  })

  test('a scrape without the token is refused', async () => {
    assert.equal((await t.app.inject({ url: '/metrics' })).statusCode, 401)
  })
})

describe('production without METRICS_TOKEN, DOCS_ENABLED, DEMO_ENABLED', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp(PRODUCTION)
  })
  after(() => t.close())

  test('/metrics is off (404) for everyone', async () => {
    const response = await t.app.inject({ url: '/metrics', headers: { authorization: 'Bearer anything' } })
    assert.equal(response.statusCode, 404)
    assert.doesNotMatch(response.body, /tessera_/)
  })

  test('Swagger UI and the demo page are not served on the cookies’ origin', async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/index.html', '/docs/static/swagger-initializer.js', '/', '/assets/app.js', '/assets/client/index.js']) {
      assert.equal((await t.app.inject({ url })).statusCode, 404, url)
    }
  })

  test('auth cookies are Secure by default, even over plain HTTP', async () => {
    await createUser(t)
    const response = await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } })
    assert.equal(response.statusCode, 200)
    for (const name of ['access_token', 'refresh_token', 'csrftoken']) assert.match(setCookieLine(response, name) ?? '', /; Secure/, name)
  })
})

describe('production with DOCS_ENABLED and DEMO_ENABLED', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ...PRODUCTION, DOCS_ENABLED: 'true', DEMO_ENABLED: 'true' })
  })
  after(() => t.close())

  test('both are served under a strict CSP that forbids framing', async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/swagger-initializer.js', '/']) {
      const response = await t.app.inject({ url })
      assert.equal(response.statusCode, 200, url)
      const csp = String(response.headers['content-security-policy'])
      assert.match(csp, /frame-ancestors 'none'/, url)
      assert.match(csp, /default-src 'none'/, url)
      assert.match(csp, /script-src 'self'(;|$)/, `${url}: no inline or remote script (${csp})`)
    }
  })
})

test('production over plain HTTP: AUTH_COOKIE_SECURE=false must be said, and the start warns', async () => {
  const lines: { level: number; msg: string }[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  const t = await createTestApp({ ...PRODUCTION, AUTH_COOKIE_SECURE: 'false' }, { logger: { level: 'warn', stream } })
  try {
    assert.ok(lines.some((line) => line.level === 40 && /AUTH_COOKIE_SECURE\) is false in production/.test(line.msg)), JSON.stringify(lines))
    await createUser(t)
    const response = await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } })
    assert.doesNotMatch(setCookieLine(response, 'access_token') ?? '', /; Secure/)
  } finally {
    await t.close()
  }
})
