import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, cookiesOf, PASSWORD } from './helpers.js'

/** Logs in at `path` and returns the cookies and the answer. */
async function loginAt(t: TestApp, path: string, username = 'alice', password = PASSWORD) {
  const response = await t.app.inject({ method: 'POST', url: path, payload: { username, password } })
  assert.equal(response.statusCode, 200, response.body)
  const c = cookiesOf(response)
  return { response, access: c.access_token!.value, refresh: c.refresh_token!.value, csrf: c.csrftoken!.value, refreshPath: c.refresh_token!.attributes.path }
}
const withCookies = (s: { access?: string; refresh?: string; csrf: string }) => ({ cookie: cookieHeader({ access_token: s.access, refresh_token: s.refresh, csrftoken: s.csrf }), 'x-csrftoken': s.csrf })

describe('ROUTE_PROFILE=simplejwt: SimpleJWT’s documented URLs', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ROUTE_PROFILE: 'simplejwt' })
    await createUser(t)
  })
  after(() => t.close())

  test('token/, token/refresh/, token/blacklist/ and token/verify/ answer the contract’s bodies; the seed paths are gone', async () => {
    const s = await loginAt(t, '/accounts/token/')
    assert.deepEqual(s.response.json(), {})
    assert.equal(s.refreshPath, '/accounts/token/', 'the deepest path over token/refresh/ and token/blacklist/')
    const verify = await t.app.inject({ method: 'POST', url: '/accounts/token/verify/', payload: { token: s.access } })
    assert.equal(verify.statusCode, 200)
    const refreshed = await t.app.inject({ method: 'POST', url: '/accounts/token/refresh/', headers: { cookie: `refresh_token=${s.refresh}` } })
    assert.equal(refreshed.statusCode, 200, refreshed.body)
    const next = cookiesOf(refreshed)
    const out = await t.app.inject({ method: 'POST', url: '/accounts/token/blacklist/', headers: withCookies({ access: next.access_token!.value, refresh: next.refresh_token!.value, csrf: s.csrf }) })
    assert.equal(out.statusCode, 200, out.body)
    for (const path of ['/accounts/auth/login/', '/accounts/auth/refresh_token/', '/accounts/auth/logout/']) {
      assert.equal((await t.app.inject({ method: 'POST', url: path, payload: { username: 'alice', password: PASSWORD } })).statusCode, 404, path)
    }
  })

  test('the OpenAPI document lists the profile’s paths', async () => {
    const paths = Object.keys((await t.app.inject({ url: '/accounts/openapi.json' })).json().paths)
    for (const path of ['/accounts/token/', '/accounts/token/refresh/', '/accounts/token/blacklist/', '/accounts/token/verify/', '/accounts/user/']) assert.ok(paths.includes(path), path)
    assert.ok(!paths.includes('/accounts/auth/login/'))
  })
})

describe('ROUTE_PROFILE=dj-rest-auth: dj-rest-auth’s URLs and bodies (USE_JWT, JWT_AUTH_HTTPONLY)', () => {
  let t: TestApp
  let aliceId: number
  before(async () => {
    t = await createTestApp({ ROUTE_PROFILE: 'dj-rest-auth' })
    aliceId = (await createUser(t, 'alice', PASSWORD, { email: 'alice@example.com' })).id
  })
  after(() => t.close())

  test('login/ answers {access: "", refresh: "", user: {pk, username, email, first_name, last_name}}: the tokens stay in the cookies', async () => {
    const s = await loginAt(t, '/accounts/login/')
    assert.deepEqual(s.response.json(), { access: '', refresh: '', user: { pk: aliceId, username: 'alice', email: 'alice@example.com', first_name: 'Alice', last_name: 'Liddell' } })
    assert.equal(s.refreshPath, '/accounts/', 'token/refresh/ and logout/ share only the prefix')
    const me = await t.app.inject({ url: '/accounts/user/', headers: { cookie: `access_token=${s.access}` } })
    assert.equal(me.json().pk, aliceId, 'UserDetailsSerializer’s pk, which its front ends read')
    assert.equal(me.json().id, aliceId, 'and the contract’s id')
  })

  test('logout/ answers {"detail": "Successfully logged out."}; without the refresh cookie 401 as dj-rest-auth says', async () => {
    const s = await loginAt(t, '/accounts/login/')
    const out = await t.app.inject({ method: 'POST', url: '/accounts/logout/', headers: withCookies(s) })
    assert.equal(out.statusCode, 200, out.body)
    assert.deepEqual(out.json(), { detail: 'Successfully logged out.' })
    const again = await loginAt(t, '/accounts/login/')
    const noRefresh = await t.app.inject({ method: 'POST', url: '/accounts/logout/', headers: withCookies({ access: again.access, csrf: again.csrf }) })
    assert.equal(noRefresh.statusCode, 401)
    assert.equal(noRefresh.json().detail, 'Refresh token was not included in cookie data.')
    // GET is not a logout unless LOGOUT_ON_GET: a link or an <img> must not end a session.
    assert.equal((await t.app.inject({ method: 'GET', url: '/accounts/logout/', headers: withCookies(again) })).statusCode, 405)
  })

  test('registration/ takes {username, email, password1, password2}, with dj-rest-auth’s errors', async () => {
    const register = (body: object) => t.app.inject({ method: 'POST', url: '/accounts/registration/', payload: body })
    const mismatch = await register({ username: 'bob', email: 'bob@example.com', password1: 'a much better password', password2: 'another one entirely' })
    assert.equal(mismatch.statusCode, 400)
    assert.deepEqual(mismatch.json(), { non_field_errors: ["The two password fields didn't match."] })
    const weak = await register({ username: 'bob', email: 'bob@example.com', password1: '12345', password2: '12345' })
    assert.equal(weak.statusCode, 400)
    assert.deepEqual(Object.keys(weak.json()), ['password1'])
    assert.deepEqual(Object.keys((await register({ username: 'bob', password: 'a much better password' })).json()).sort(), ['password1', 'password2'])
    const ok = await register({ username: 'bob', email: 'bob@example.com', password1: 'a much better password', password2: 'a much better password' })
    assert.equal(ok.statusCode, 201, ok.body)
    assert.deepEqual(ok.json().access, '')
    assert.equal(ok.json().user.username, 'bob')
    assert.ok(cookiesOf(ok).access_token?.value)
  })

  test('password/change/ takes {old_password, new_password1, new_password2}, old password checked first', async () => {
    const s = await loginAt(t, '/accounts/login/')
    const change = (body: object) => t.app.inject({ method: 'POST', url: '/accounts/password/change/', headers: withCookies(s), payload: body })
    const wrongOld = await change({ old_password: 'not it', new_password1: 'x', new_password2: 'y' })
    assert.deepEqual(wrongOld.json(), { old_password: ['Your old password was entered incorrectly. Please enter it again.'] })
    const mismatch = await change({ old_password: PASSWORD, new_password1: 'a brand new passphrase', new_password2: 'something else' })
    assert.deepEqual(mismatch.json(), { new_password2: ['The two password fields didn’t match.'] })
    const weak = await change({ old_password: PASSWORD, new_password1: '12345678', new_password2: '12345678' })
    assert.deepEqual(Object.keys(weak.json()), ['new_password2'])
    const ok = await change({ old_password: PASSWORD, new_password1: 'a brand new passphrase', new_password2: 'a brand new passphrase' })
    assert.equal(ok.statusCode, 200, ok.body)
    assert.deepEqual(ok.json(), { detail: 'New password has been saved.' })
    await loginAt(t, '/accounts/login/', 'alice', 'a brand new passphrase')
  })

  test('password/reset/ and registration/verify-email/ live at dj-rest-auth’s paths', async () => {
    const reset = await t.app.inject({ method: 'POST', url: '/accounts/password/reset/', payload: { email: 'nobody@example.com' } })
    assert.equal(reset.statusCode, 200, reset.body)
    // A missing key is the route's own 400; an unknown route would be a 404.
    const verify = await t.app.inject({ method: 'POST', url: '/accounts/registration/verify-email/', payload: {} })
    assert.deepEqual({ status: verify.statusCode, body: verify.json() }, { status: 400, body: { key: ['This field is required.'] } })
    assert.equal((await t.app.inject({ method: 'POST', url: '/accounts/auth/registration/verify-email/', payload: {} })).statusCode, 404, 'the seed path is gone')
  })
})

describe('ROUTE_<NAME>, ROUTE_<NAME>_METHODS, LOGOUT_ON_GET and CSRF_TOKEN_RESPONSE_KEY', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ROUTE_LOGIN: '/api/signin', ROUTE_LOGOUT: 'api/signout/', ROUTE_LOGOUT_METHODS: 'post,delete', ROUTE_CSRF_TOKEN: 'csrf/', CSRF_TOKEN_RESPONSE_KEY: 'csrfToken' })
    await createUser(t)
  })
  after(() => t.close())

  test('a path override moves one route, and the refresh cookie’s path follows', async () => {
    const s = await loginAt(t, '/accounts/api/signin')
    assert.equal(s.refreshPath, '/accounts/', 'auth/refresh_token/ and api/signout/ share only the prefix')
    assert.equal((await t.app.inject({ method: 'POST', url: '/accounts/auth/login/', payload: { username: 'alice', password: PASSWORD } })).statusCode, 404)
  })

  test('a method override: logout answers DELETE (with the CSRF token) and POST, still not GET', async () => {
    const s = await loginAt(t, '/accounts/api/signin')
    assert.equal((await t.app.inject({ method: 'GET', url: '/accounts/api/signout/', headers: withCookies(s) })).statusCode, 405)
    const forged = await t.app.inject({ method: 'DELETE', url: '/accounts/api/signout/', headers: { cookie: cookieHeader({ access_token: s.access, refresh_token: s.refresh, csrftoken: s.csrf }) } })
    assert.equal(forged.statusCode, 403, 'DELETE is unsafe: no token, no logout')
    const out = await t.app.inject({ method: 'DELETE', url: '/accounts/api/signout/', headers: withCookies(s) })
    assert.equal(out.statusCode, 200, out.body)
  })

  test('CSRF_TOKEN_RESPONSE_KEY names the key of the CSRF route’s answer', async () => {
    const response = await t.app.inject({ url: '/accounts/csrf/' })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(Object.keys(response.json()), ['csrfToken'])
    assert.equal(response.json().csrfToken.length, 64)
  })
})

describe('LOGOUT_ON_GET=true (django-allauth’s ACCOUNT_LOGOUT_ON_GET)', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ROUTE_PROFILE: 'dj-rest-auth', LOGOUT_ON_GET: 'true' })
    await createUser(t)
  })
  after(() => t.close())

  test('GET logout/ logs out', async () => {
    const s = await loginAt(t, '/accounts/login/')
    const out = await t.app.inject({ method: 'GET', url: '/accounts/logout/', headers: { cookie: cookieHeader({ access_token: s.access, refresh_token: s.refresh }) } })
    assert.equal(out.statusCode, 200, out.body)
    const refreshed = await t.app.inject({ method: 'POST', url: '/accounts/token/refresh/', headers: { cookie: `refresh_token=${s.refresh}` } })
    assert.equal(refreshed.statusCode, 401)
  })
})

describe('ROUTE_PROFILE=dj-rest-auth with EMAIL_VERIFICATION=mandatory', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ ROUTE_PROFILE: 'dj-rest-auth', EMAIL_VERIFICATION: 'mandatory', SITE_URL: 'https://app.example.com' })
  })
  after(() => t.close())

  test('registration/ answers 201 {"detail": "Verification e-mail sent.", "user"} and sets no auth cookies', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/accounts/registration/', payload: { username: 'erin', email: 'erin@example.com', password1: 'a much better password', password2: 'a much better password' } })
    assert.equal(response.statusCode, 201, response.body)
    assert.equal(response.json().detail, 'Verification e-mail sent.')
    assert.equal(response.json().user.username, 'erin')
    assert.equal(cookiesOf(response).access_token, undefined)
  })
})
