import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { CSRF_TOKEN, LOGIN, loginCookies, LOGOUT, PASSWORD, REFRESH, USER } from './helpers.js'

/** Hostile or odd input anywhere a client can put it: always a 4xx (or a success), never a 500. */
describe('bad input: never a 500', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
    // A user whose name has odd but valid characters logs in like anyone else.
    await createUser(t, 'émile.ﬀ+日本', PASSWORD)
  })
  after(() => t.close())

  const post = (payload: string, url = LOGIN, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload })

  function client4xx(response: { statusCode: number; body: string }, what: string) {
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${what} → ${response.statusCode} ${response.body.slice(0, 200)}`)
  }

  test('deeply nested JSON (arrays and objects, 10 000 levels) → 4xx', async () => {
    for (const [open, close] of [['[', ']'], ['{"a":', '}']]) {
      const depth = 10_000
      client4xx(await post(`${open!.repeat(depth)}1${close!.repeat(depth)}`), `nested ${open}`)
      client4xx(await post(`{"username": ${open!.repeat(depth)}1${close!.repeat(depth)}, "password": "x"}`), `nested username ${open}`)
    }
  })

  test('nesting deeper than the body limit allows → 413', async () => {
    const response = await post('['.repeat(200_000))
    assert.equal(response.statusCode, 413)
  })

  const odd: [string, string][] = [
    ['a lone high surrogate', '"\\ud800"'],
    ['a lone low surrogate', '"\\udfff"'],
    ['a reversed surrogate pair', '"\\udc00\\ud800"'],
    ['NUL', '"ali\\u0000ce"'],
    ['a raw control character', '"ali\u0001ce"'],
    ['right-to-left override', '"\u202Eecila"'],
    ['zero-width joiner and BOM', '"al\u200Dice\uFEFF"'],
    ['emoji', '"👩‍💻🔑"'],
    ['a combining sequence', '"alic\u0065\u0301"'],
    ['a 150-character emoji name', JSON.stringify('😀'.repeat(75))],
    ['non-characters', '"\\uffff\\ufffe"'],
  ]
  for (const [name, value] of odd) {
    test(`${name} in the username and the password → 4xx`, async () => {
      client4xx(await post(`{"username": ${value}, "password": "${PASSWORD}"}`), `username ${name}`)
      client4xx(await post(`{"username": "alice", "password": ${value}}`), `password ${name}`)
    })
  }

  test('NUL is refused by the schema with a field error, before any lookup', async () => {
    const response = await post(`{"username": "alice\\u0000", "password": "${PASSWORD}"}`)
    assert.equal(response.statusCode, 400)
    assert.ok(Array.isArray(response.json().username))
  })

  test('invalid UTF-8 bytes in a JSON body → 4xx', async () => {
    const payload = Buffer.concat([Buffer.from('{"username": "'), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from(`", "password": "${PASSWORD}"}`)])
    client4xx(await t.app.inject({ method: 'POST', url: LOGIN, headers: { 'content-type': 'application/json' }, payload }), 'bad utf-8')
  })

  test('odd form-encoded bodies → 4xx', async () => {
    for (const form of ['%', 'username=%E0%A4%A&password=x', 'username=a&username=b&password=x', 'username[$ne]=x&password=x', '&&&=', `username=${'%00'}&password=x`, 'password=x&__proto__[username]=alice']) {
      client4xx(await post(form, LOGIN, 'application/x-www-form-urlencoded'), form)
    }
  })

  test('a Unicode username logs in under any normalisation or case of its name: one name (NFKC, case-folded) is one account', async () => {
    for (const username of ['émile.ﬀ+日本', 'e\u0301mile.ﬀ+日本', 'ÉMILE.FF+日本']) assert.equal((await post(JSON.stringify({ username, password: PASSWORD }))).statusCode, 200, username)
    client4xx(await post(JSON.stringify({ username: 'emile.ff+日本', password: PASSWORD })), 'without the accent it is another name')
  })

  test('odd cookies: garbage, unicode, huge, duplicated, percent-escapes → 4xx or ignored', async () => {
    const cookies = [
      'access_token=%',
      'access_token=%E0%A4%A',
      'access_token=\u202E',
      `access_token=${'a'.repeat(7000)}`,
      'access_token=a; access_token=b',
      'access_token="quoted"',
      'access_token=a.b.c; csrftoken=\u00ff\u00fe',
      ';;;=;',
    ]
    for (const cookie of cookies) {
      client4xx(await t.app.inject({ url: USER, headers: { cookie } }), `GET user with ${cookie.slice(0, 30)}`)
      client4xx(await t.app.inject({ method: 'POST', url: REFRESH, headers: { cookie: cookie.replace(/access_token/g, 'refresh_token') } }), `refresh with ${cookie.slice(0, 30)}`)
      client4xx(await t.app.inject({ method: 'POST', url: LOGOUT, headers: { cookie } }), `logout with ${cookie.slice(0, 30)}`)
      assert.equal((await t.app.inject({ url: CSRF_TOKEN, headers: { cookie: cookie.replace(/access_token/g, 'csrftoken') } })).statusCode, 200)
    }
  })

  test('odd Authorization headers → 401', async () => {
    for (const authorization of ['Bearer ', 'Bearer  \t ', 'Bearer \u00ff\u00fe', `Bearer ${'x'.repeat(9000)}`, 'Bearer a.b.c.d.e', 'Bearer ....', 'Bearer eyJ.eyJ.', 'Token abc']) {
      const response = await t.app.inject({ url: USER, headers: { authorization } })
      assert.equal(response.statusCode, 401, `${authorization.slice(0, 30)} → ${response.statusCode}`)
    }
  })

  test('odd CSRF headers and Origins on a cookie-authenticated POST → 403', async () => {
    const s = await loginCookies(t)
    const cookie = `access_token=${s.access}; refresh_token=${s.refresh}; csrftoken=${s.csrf}`
    const headers: Record<string, string>[] = [
      { 'x-csrftoken': '\u00ff'.repeat(64) },
      { 'x-csrftoken': 'x'.repeat(10_000) },
      { 'x-csrftoken': s.csrf, origin: '\u00ff' },
      { 'x-csrftoken': s.csrf, origin: 'http://' },
      { 'x-csrftoken': s.csrf, origin: 'http://[::1' },
      { 'x-csrftoken': s.csrf, origin: 'javascript:alert(1)' },
      { 'x-csrftoken': s.csrf, 'sec-fetch-site': 'cross-site' },
    ]
    for (const h of headers) {
      const response = await t.app.inject({ method: 'POST', url: LOGOUT, headers: { cookie, ...h } })
      assert.equal(response.statusCode, 403, `${JSON.stringify(h).slice(0, 60)} → ${response.statusCode} ${response.body}`)
    }
  })

  test('odd URLs and query strings → 4xx or the route', async () => {
    for (const url of ['/accounts/user/?a=%', '/accounts/%E0%A4%A/', `/accounts/${'a'.repeat(5000)}/`, '/accounts/user/?__proto__[x]=1', '/accounts//user/', '/accounts/user/%2e%2e/']) {
      const response = await t.app.inject({ url })
      assert.ok(response.statusCode < 500, `${url.slice(0, 40)} → ${response.statusCode}`)
    }
  })

  test('odd Host headers → no 500', async () => {
    for (const host of ['', '\u00ff', 'a'.repeat(2000), '[::1', 'evil.example:99999']) {
      const response = await t.app.inject({ method: 'POST', url: LOGIN, headers: { host, origin: 'https://evil.example' }, payload: { username: 'alice', password: PASSWORD } })
      assert.ok(response.statusCode < 500, `host ${host.slice(0, 20)} → ${response.statusCode}`)
    }
  })
})

/** What DRF's JSONParser and CharField answer, which a front end written for it may rely on. */
describe("bodies as DRF reads them", () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  const login = (payload: string | Buffer, contentType = 'application/json') => t.app.inject({ method: 'POST', url: LOGIN, headers: { 'content-type': contentType }, payload })

  test('invalid UTF-8 in a JSON body is a parse error (400), not a wrong password (401)', async () => {
    const body = Buffer.concat([Buffer.from('{"username":"'), Buffer.from([0xff, 0xfe]), Buffer.from(`","password":"${PASSWORD}"}`)])
    const response = await login(body)
    assert.equal(response.statusCode, 400, response.body)
    assert.match(response.json().detail, /^JSON parse error/)
  })

  test('a boolean, a list or an object where a string belongs: 400 "Not a valid string."; null: "may not be null"', async () => {
    for (const value of ['true', 'false', '["alice"]', '{"a":1}']) {
      const response = await login(`{"username": ${value}, "password": "${PASSWORD}"}`)
      assert.equal(response.statusCode, 400, `${value}: ${response.body}`)
      assert.deepEqual(response.json(), { username: ['Not a valid string.'] })
    }
    const both = await login('{"username": true, "password": null}')
    assert.deepEqual(both.json(), { username: ['Not a valid string.'], password: ['This field may not be null.'] })
  })

  test('a number is read as its string, as DRF does (a wrong password, not a bad request)', async () => {
    const response = await login(`{"username": 12345, "password": 678}`)
    assert.equal(response.statusCode, 401, response.body)
  })
})
