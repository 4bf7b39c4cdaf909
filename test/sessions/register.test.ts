import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'

const REGISTER = '/accounts/auth/register/'

describe('registration', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  test('creates the account and logs it in (cookies set, CSRF secret rotated)', async () => {
    const jar = new Jar(t.app)
    await jar.request('GET', '/accounts/csrf_token/')
    const before = jar.get('csrftoken')
    const response = await jar.request('POST', REGISTER, { body: { username: 'newbie', password: 'a long enough passphrase', first_name: 'New', email: 'new@example.com' } })
    assert.equal(response.statusCode, 201)
    assert.deepEqual(response.json(), { id: response.json().id, username: 'newbie', first_name: 'New', last_name: '', email: 'new@example.com', email_verified: false })
    assert.ok(jar.get('access_token') && jar.get('refresh_token'))
    assert.notEqual(jar.get('csrftoken'), before)
    assert.equal((await jar.request('GET', '/accounts/user/')).json().username, 'newbie')
  })

  const cases: [string, Record<string, string>, string, string][] = [
    ['too short', { username: 'u1', password: 'Sh0rt!' }, 'password', 'This password is too short. It must contain at least 8 characters.'],
    ['too common', { username: 'u2', password: 'password123' }, 'password', 'This password is too common.'],
    ['entirely numeric', { username: 'u3', password: '9384712093' }, 'password', 'This password is entirely numeric.'],
    ['too similar to the username', { username: 'jonathan.smith', password: 'jonathansmith1' }, 'password', 'The password is too similar to the username.'],
    ['username taken', { username: 'alice', password: 'a long enough passphrase' }, 'username', 'A user with that username already exists.'],
    ['bad username characters', { username: 'bad name!', password: 'a long enough passphrase' }, 'username', 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'],
    ['bad email', { username: 'u4', password: 'a long enough passphrase', email: 'not-an-email' }, 'email', 'Enter a valid email address.'],
  ]
  for (const [name, body, field, message] of cases) {
    test(`refuses a password or account that is ${name}, with DRF's field error`, async () => {
      const response = await t.app.inject({ method: 'POST', url: REGISTER, payload: body })
      assert.equal(response.statusCode, 400)
      assert.ok(response.json()[field]?.includes(message), JSON.stringify(response.json()))
      assert.equal(response.headers['set-cookie'], undefined)
    })
  }

  test('a missing field is "This field is required."', async () => {
    const response = await t.app.inject({ method: 'POST', url: REGISTER, payload: { username: 'x' } })
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json(), { password: ['This field is required.'] })
  })

  test('a cross-site registration (login CSRF by sign-up) is refused', async () => {
    const response = await t.app.inject({ method: 'POST', url: REGISTER, payload: { username: 'planted', password: 'a long enough passphrase' }, headers: { origin: 'https://evil.example' } })
    assert.equal(response.statusCode, 403)
    assert.equal(response.headers['set-cookie'], undefined)
  })
})

describe('REGISTRATION_ENABLED=false', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ REGISTRATION_ENABLED: 'false' })
  })
  after(() => t.close())

  test('registration is refused with 403', async () => {
    const response = await t.app.inject({ method: 'POST', url: REGISTER, payload: { username: 'someone', password: 'a long enough passphrase' } })
    assert.equal(response.statusCode, 403)
    assert.equal(response.json().detail, 'Registration is disabled.')
  })
})
