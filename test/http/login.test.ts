import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generateSecret } from '../../src/csrf/index.js'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookiesOf, decodeJwt, LOGIN, PASSWORD, USER } from './helpers.js'

const BAD_CREDENTIALS = { detail: 'No active account found with the given credentials', code: 'no_active_account' }

describe('POST /accounts/auth/login/', () => {
  let t: TestApp
  let aliceId: number
  before(async () => {
    t = await createTestApp()
    aliceId = (await createUser(t)).id
    const carol = await createUser(t, 'carol', PASSWORD)
    await t.app.tessera.setActive(carol.id, false)
  })
  after(() => t.close())

  const login = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: LOGIN, headers, payload: payload as object })

  test('JSON {username, password} → 200 {} with access_token and refresh_token cookies', async () => {
    const response = await login({ username: 'alice', password: PASSWORD })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), {})
    const c = cookiesOf(response)
    assert.ok(c.access_token?.value)
    assert.ok(c.refresh_token?.value)
    assert.equal(response.headers['cache-control'], 'no-store')
  })

  test('form-encoded {username, password} works too', async () => {
    const response = await login('username=alice&password=correct+horse+battery', { 'content-type': 'application/x-www-form-urlencoded' })
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(response.json(), {})
    assert.ok(cookiesOf(response).access_token?.value)
  })

  test("the tokens carry SimpleJWT's claims (token_type, exp, iat, jti, user_id) plus the session id, HS256", async () => {
    const c = cookiesOf(await login({ username: 'alice', password: PASSWORD }))
    const access = decodeJwt(c.access_token!.value)
    const refresh = decodeJwt(c.refresh_token!.value)
    assert.equal(access.header.alg, 'HS256')
    assert.equal(access.payload.token_type, 'access')
    assert.equal(refresh.payload.token_type, 'refresh')
    for (const { payload } of [access, refresh]) {
      assert.equal(payload.user_id, aliceId)
      assert.match(String(payload.jti), /^[0-9a-f]{32}$/)
      assert.equal(typeof payload.iat, 'number')
      assert.ok(Math.abs(Number(payload.iat) - Date.now() / 1000) < 60)
      assert.equal(typeof payload.sid, 'string')
    }
    assert.equal(Number(access.payload.exp) - Number(access.payload.iat), 900)
    assert.equal(Number(refresh.payload.exp) - Number(refresh.payload.iat), 2592000)
    assert.equal(access.payload.sid, refresh.payload.sid, 'one session')
    assert.notEqual(access.payload.jti, refresh.payload.jti)
  })

  test('each login opens a new session', async () => {
    const a = decodeJwt(cookiesOf(await login({ username: 'alice', password: PASSWORD })).access_token!.value)
    const b = decodeJwt(cookiesOf(await login({ username: 'alice', password: PASSWORD })).access_token!.value)
    assert.notEqual(a.payload.sid, b.payload.sid)
  })

  test('the access cookie authenticates GET /accounts/user/', async () => {
    const c = cookiesOf(await login({ username: 'alice', password: PASSWORD }))
    const me = await t.app.inject({ url: USER, headers: { cookie: `access_token=${c.access_token!.value}` } })
    assert.equal(me.statusCode, 200)
    assert.deepEqual(me.json(), { id: aliceId, username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: '', email_verified: false })
  })

  test('rotates csrftoken: a secret planted before login (login CSRF / fixation) is replaced', async () => {
    const planted = generateSecret()
    const response = await login({ username: 'alice', password: PASSWORD }, { cookie: `csrftoken=${planted}` })
    const fresh = cookiesOf(response).csrftoken?.value
    assert.match(String(fresh), /^[a-zA-Z0-9]{32}$/)
    assert.notEqual(fresh, planted)
  })

  test('401 with one body for an unknown user, a wrong password and an inactive user (no user enumeration)', async () => {
    const responses = [
      await login({ username: 'nobody', password: PASSWORD }),
      await login({ username: 'alice', password: 'wrong password!' }),
      await login({ username: 'carol', password: PASSWORD }),
      await login({ username: 'ALICE', password: 'wrong password!' }),
    ]
    for (const response of responses) {
      assert.equal(response.statusCode, 401)
      assert.deepEqual(response.json(), BAD_CREDENTIALS)
      assert.equal(response.headers['set-cookie'], undefined, 'no cookie on failure')
    }
    assert.equal(new Set(responses.map((r) => r.body)).size, 1)
  })

  test('the username is matched without regard to case or width: names are unique that way, one name is one account', async () => {
    for (const username of ['ALICE', 'Alice', 'ａｌｉｃｅ']) assert.equal((await login({ username, password: PASSWORD })).statusCode, 200, username)
  })

  test('400 {"<field>": ["This field is required."]} for a missing field', async () => {
    assert.deepEqual((await login({ password: PASSWORD })).json(), { username: ['This field is required.'] })
    assert.equal((await login({ password: PASSWORD })).statusCode, 400)
    assert.deepEqual((await login({ username: 'alice' })).json(), { password: ['This field is required.'] })
    const form = await login('password=x', { 'content-type': 'application/x-www-form-urlencoded' })
    assert.equal(form.statusCode, 400)
    assert.deepEqual(form.json(), { username: ['This field is required.'] })
  })

  test('400 for an empty body, an empty field, a non-string field or a field that is too long', async () => {
    const cases: [unknown, string][] = [
      [{}, 'username'],
      [{ username: '', password: PASSWORD }, 'username'],
      [{ username: 'alice', password: '' }, 'password'],
      [{ username: { $ne: null }, password: PASSWORD }, 'username'],
      [{ username: 'a'.repeat(151), password: PASSWORD }, 'username'],
      [{ username: 'alice', password: 'p'.repeat(4097) }, 'password'],
    ]
    for (const [payload, field] of cases) {
      const response = await login(payload)
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
      const body = response.json()
      assert.ok(Array.isArray(body[field]), `${JSON.stringify(payload)} → ${response.body}`)
    }
  })

  test('a number is read as its string, as DRF\'s CharField does (so 42 is an unknown user, not a 500)', async () => {
    const response = await login({ username: 42, password: PASSWORD })
    assert.equal(response.statusCode, 401)
    assert.deepEqual(response.json(), BAD_CREDENTIALS)
  })

  test('400 for a JSON body that is not an object', async () => {
    for (const payload of ['[]', 'null', '"alice"', '42', 'true']) {
      const response = await t.app.inject({ method: 'POST', url: LOGIN, headers: { 'content-type': 'application/json' }, payload })
      assert.equal(response.statusCode, 400, `${payload} → ${response.statusCode} ${response.body}`)
    }
  })

  test('a __proto__ key cannot smuggle credentials', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: LOGIN,
      headers: { 'content-type': 'application/json' },
      payload: `{"__proto__": {"username": "alice", "password": "${PASSWORD}"}}`,
    })
    assert.equal(response.statusCode, 400)
  })

  test('updates last_login', async () => {
    const before = Date.now()
    await login({ username: 'alice', password: PASSWORD })
    const user = await t.opened.store.findUserByUsername('alice')
    assert.ok(user?.last_login !== null && Number(user!.last_login) >= before - 1000, String(user?.last_login))
  })
})
