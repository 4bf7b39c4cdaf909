import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { prettyLog } from '../../src/http/logging.js'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, loginCookies, PASSWORD, REFRESH, USER } from './helpers.js'

/** A pino destination that keeps every line, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return { lines, stream }
}

const accessLines = (lines: Record<string, unknown>[]) => lines.filter((l) => l.msg === 'request')

describe('ACCESS_LOG: one line per request, after the response', () => {
  let t: TestApp
  const { lines, stream } = capture()
  let alice: { access: string; refresh: string; csrf: string }
  before(async () => {
    t = await createTestApp({}, { logger: { level: 'info', stream } })
    await createUser(t)
    alice = await loginCookies(t)
  })
  after(() => t.close())

  test('method, route pattern, status, duration, request id and the user id of an authenticated request', async () => {
    lines.length = 0
    const response = await t.app.inject({ url: USER, headers: { cookie: `access_token=${alice.access}` } })
    assert.equal(response.statusCode, 200)
    const [line, ...more] = accessLines(lines)
    assert.deepEqual(more, [], 'one line, not two')
    assert.ok(line)
    assert.equal(line.level, 30)
    assert.equal(line.method, 'GET')
    assert.equal(line.route, USER)
    assert.equal(line.status, 200)
    assert.equal(typeof line.ms, 'number')
    assert.match(String(line.reqId), /\S/)
    assert.equal(line.user_id, 1)
    assert.equal(lines.some((l) => l.msg === 'incoming request' || l.msg === 'request completed'), false, "Fastify's own request lines are off")
  })

  test("a line logged through request.log carries the request's id, the one of its access line", async () => {
    lines.length = 0
    const response = await t.app.inject({ url: USER, headers: { host: 'evil.example' } })
    assert.equal(response.statusCode, 400)
    const warning = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('Invalid HTTP_HOST header'))
    const [access] = accessLines(lines)
    assert.equal(warning?.level, 40)
    assert.equal(warning?.host, 'evil.example')
    assert.match(String(warning?.reqId), /\S/)
    assert.equal(warning?.reqId, access?.reqId)
    // Two requests, two ids: the child logger is per request, not shared.
    lines.length = 0
    await t.app.inject({ url: USER, headers: { host: 'evil.example' } })
    assert.notEqual(lines.find((l) => l.level === 40)?.reqId, warning?.reqId)
  })

  test('no user id without authentication; the pattern, never the raw URL with its query', async () => {
    lines.length = 0
    await t.app.inject({ url: `${USER}?token=secret-in-query` })
    await t.app.inject({ url: '/no/such/path?x=1' })
    const [unauthenticated, unmatched] = accessLines(lines)
    assert.equal(unauthenticated?.status, 401)
    assert.equal(unauthenticated?.user_id, undefined)
    assert.equal(unmatched?.status, 404)
    assert.equal(unmatched?.route, null)
    assert.doesNotMatch(JSON.stringify(lines), /secret-in-query|no\/such/)
  })

  test('never a token, a cookie or a password, whatever the request carried', async () => {
    lines.length = 0
    const login = await t.app.inject({ method: 'POST', url: '/accounts/auth/login/', payload: { username: 'alice', password: PASSWORD } })
    assert.equal(login.statusCode, 200)
    await t.app.inject({ url: USER, headers: { authorization: `Bearer ${alice.access}` } })
    await t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie: cookieHeader({ refresh_token: alice.refresh, csrftoken: alice.csrf }) } })
    assert.equal(accessLines(lines).length, 3)
    const text = JSON.stringify(lines)
    for (const secret of [alice.access, alice.refresh, alice.csrf, PASSWORD, ...String(login.headers['set-cookie']).split(/[=;,\s]+/).filter((part) => part.length > 30)]) {
      assert.equal(text.includes(secret), false, `${secret.slice(0, 12)}… is not in the log`)
    }
  })
})

describe('with pino options of its own (the line goes through pino, the same fields)', () => {
  let t: TestApp
  const { lines, stream } = capture()
  const plain = capture()
  let plainApp: TestApp
  before(async () => {
    t = await createTestApp({}, { logger: { level: 'info', stream, base: { service: 'auth' } } })
    plainApp = await createTestApp({}, { logger: { level: 'info', stream: plain.stream } })
  })
  after(async () => {
    await t.close()
    await plainApp.close()
  })

  test('the hand-built line and pino\'s have the same keys, and pino\'s options apply', async () => {
    await t.app.inject({ url: '/healthz' })
    await plainApp.app.inject({ url: '/healthz' })
    const [viaPino] = accessLines(lines)
    const [handBuilt] = accessLines(plain.lines)
    assert.equal(viaPino?.service, 'auth')
    assert.deepEqual(Object.keys(handBuilt!).sort(), [...Object.keys(viaPino!).filter((k) => k !== 'service'), 'hostname', 'pid'].sort())
    for (const key of ['level', 'method', 'route', 'status', 'msg'] as const) assert.equal(handBuilt![key], viaPino![key], key)
  })
})

describe('ACCESS_LOG=false', () => {
  let t: TestApp
  const { lines, stream } = capture()
  before(async () => {
    t = await createTestApp({ ACCESS_LOG: 'false' }, { logger: { level: 'info', stream } })
  })
  after(() => t.close())

  test('writes no request line, and the rest of the log stays on', async () => {
    await t.app.inject({ url: '/healthz' })
    await t.app.inject({ url: USER })
    assert.deepEqual(accessLines(lines), [])
    assert.equal(lines.some((l) => l.msg === 'incoming request' || l.msg === 'request completed'), false)
  })
})

test("development on a terminal: pino-pretty's lines, the access line among them", async () => {
  let text = ''
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk)
      done()
    },
  })
  const t = await createTestApp({}, { logger: { level: 'info', stream: await prettyLog(out) } })
  try {
    await t.app.inject({ url: '/healthz' })
  } finally {
    await t.close()
  }
  assert.match(text, /INFO: request\n\s+reqId: "req-\d+"\n\s+method: "GET"\n\s+route: "\/healthz"\n\s+status: 200/)
  assert.doesNotMatch(text, /\{"level"/, 'text, not JSON')
})

test('a crash flushes the asynchronous log before the process dies', () => {
  // A real process on the default destination (async stdout): the line logged just before the crash
  // and the fatal line both reach the pipe, and Node's own crash report and exit code are unchanged.
  const script = `
    const { buildServer } = await import(${JSON.stringify(new URL('../../src/http/index.ts', import.meta.url).href)})
    const app = await buildServer({ env: 'test', logLevel: 'info', dataDir: process.env.TMPDIR ?? '/tmp', tokens: { secretKey: 'x'.repeat(64) }, database: { url: ':memory:' } })
    await app.ready()
    app.log.info('before the crash')
    setImmediate(() => { throw new Error('boom') })
  `
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 })
  assert.equal(child.status, 1, child.stderr)
  const out = child.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.ok(out.some((l) => l.msg === 'before the crash'), child.stdout)
  const fatal = out.find((l) => l.level === 60)
  assert.match(String((fatal?.err as { message?: string })?.message), /boom/)
  assert.match(child.stderr, /Error: boom/)
})
