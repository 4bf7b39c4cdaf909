import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { CSRF_TOKEN, LOGIN, loginCookies, LOGOUT, PASSWORD, REFRESH, USER } from './helpers.js'

/** The contract's error table, row by row, plus the headers every response carries. */
describe("errors: the error table of docs/contract.md", () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  const json = (payload: string, url = LOGIN, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload })

  function assertDetail(response: Awaited<ReturnType<typeof json>>, status: number) {
    assert.equal(response.statusCode, status, response.body)
    assert.match(String(response.headers['content-type']), /^application\/json/)
    assert.equal(typeof response.json().detail, 'string', response.body)
    assert.doesNotMatch(response.body, /at .*\.(ts|js):\d+/, 'no stack trace')
  }

  test('malformed JSON → 400 {detail}', async () => {
    for (const payload of ['{', '{"username": "alice",}', "{'username': 'alice'}", '{"a":1}}', 'nul', '\u0000', '{"username": "\\x41"}']) {
      assertDetail(await json(payload), 400)
    }
  })

  test('an empty body labelled JSON is no data, as DRF reads it: login says which fields are required', async () => {
    const response = await json('')
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json().username, ['This field is required.'])
    assert.equal((await json('   ')).statusCode, 400, 'whitespace is not empty: malformed')
  })

  test('a wrong content type → 415 {detail}', async () => {
    // (multipart/form-data is one of DRF's parsers: test/http/multipart.test.ts.)
    for (const type of ['text/plain', 'application/xml', 'application/octet-stream', 'text/html']) {
      assertDetail(await json('username=alice&password=x', LOGIN, type), 415)
    }
  })

  test('a text/plain body (what a cross-site form may send without preflight) is refused with 415, JSON or not', async () => {
    assertDetail(await json(JSON.stringify({ username: 'alice', password: PASSWORD }), LOGIN, 'text/plain'), 415)
  })

  test('a body over 64 KiB → 413 {detail}', async () => {
    const big = JSON.stringify({ username: 'alice', password: 'x'.repeat(70 * 1024) })
    assertDetail(await json(big), 413)
    const form = `username=alice&password=${'x'.repeat(70 * 1024)}`
    assertDetail(await json(form, LOGIN, 'application/x-www-form-urlencoded'), 413)
  })

  test('a body just under 64 KiB is read (and refused on its merits)', async () => {
    const payload = JSON.stringify({ username: 'alice', password: 'x'.repeat(60 * 1024) })
    assert.equal((await json(payload)).statusCode, 400, 'password longer than 4096 characters')
  })

  test('a Content-Length that lies → 400, never 500', async () => {
    const response = await t.app.inject({ method: 'POST', url: LOGIN, headers: { 'content-type': 'application/json', 'content-length': '5' }, payload: '{"username": "alice"}' })
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${response.statusCode}`)
  })

  test('unknown route → 404 {detail}, under the prefix and outside it', async () => {
    // (`/accounts/user` is a 301 to `user/`, Django's APPEND_SLASH: test/http/append-slash.test.ts.)
    for (const url of ['/accounts/nope/', '/accounts/nope', '/nope', '/accounts/auth/', '/accounts/../etc/passwd', '/%00']) {
      assertDetail(await t.app.inject({ url }), 404)
    }
  })

  test('wrong method → 405 {detail} with Allow', async () => {
    const cases: [string, string, string][] = [
      ['GET', LOGIN, 'POST'],
      ['PUT', LOGIN, 'POST'],
      ['GET', REFRESH, 'POST'],
      ['DELETE', LOGOUT, 'POST'],
      ['POST', USER, 'GET, PATCH, PUT, DELETE'],
      ['PUT', REFRESH, 'POST'],
      ['POST', CSRF_TOKEN, 'GET'],
    ]
    for (const [method, url, allow] of cases) {
      const response = await t.app.inject({ method: method as 'GET', url })
      assertDetail(response, 405)
      assert.equal(response.headers.allow, allow, `${method} ${url}`)
    }
  })

  test('X-Content-Type-Options: nosniff on every response', async () => {
    const s = await loginCookies(t)
    const responses = [
      await t.app.inject({ url: CSRF_TOKEN }),
      await t.app.inject({ url: USER }),
      await t.app.inject({ url: USER, headers: { cookie: `access_token=${s.access}` } }),
      await t.app.inject({ url: '/nope' }),
      await t.app.inject({ method: 'GET', url: LOGIN }),
      await json('{'),
      await json('x', LOGIN, 'text/plain'),
      await json(JSON.stringify({ password: 'x'.repeat(70_000) })),
      await json(JSON.stringify({ username: 'alice', password: PASSWORD })),
      await t.app.inject({ url: '/' }),
      await t.app.inject({ url: '/accounts/openapi.json' }),
      await t.app.inject({ url: '/docs' }),
    ]
    for (const response of responses) assert.equal(response.headers['x-content-type-options'], 'nosniff', `${response.statusCode} ${response.body.slice(0, 80)}`)
  })

  test('Cache-Control: no-store on every response that carries a token', async () => {
    const s = await loginCookies(t)
    const responses = [
      await t.app.inject({ url: CSRF_TOKEN }),
      await json(JSON.stringify({ username: 'alice', password: PASSWORD })),
      await t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie: `refresh_token=${s.refresh}` } }),
      await t.app.inject({ url: USER, headers: { cookie: `access_token=${s.access}` } }),
      await t.app.inject({ method: 'POST', url: LOGOUT, headers: { authorization: `Bearer ${s.access}`, cookie: `refresh_token=${s.refresh}` } }),
    ]
    for (const response of responses) {
      assert.equal(response.statusCode, 200, response.body)
      assert.equal(response.headers['cache-control'], 'no-store')
    }
  })

  test('a database failure (SQLite busy: another process holds the write lock) is a 503 {detail}, never a stack trace', async () => {
    await sql`PRAGMA busy_timeout = 50`.execute(t.opened.db)
    const other = new SQLite(t.config.database.url)
    try {
      other.exec('BEGIN IMMEDIATE')
      const response = await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } })
      assertDetail(response, 503)
      assert.equal(response.headers['set-cookie'], undefined)
    } finally {
      other.exec('ROLLBACK')
      other.close()
      await sql`PRAGMA busy_timeout = 5000`.execute(t.opened.db)
    }
    assert.equal((await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } })).statusCode, 200, 'and it heals')
  })
})
