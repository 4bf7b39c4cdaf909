import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveConfig } from '../../src/config/index.js'
import { deleteCookie, setCookie } from '../../src/cookies/index.js'

const SECRET_KEY = 'cookie-test-secret-key-long-enough-0123456789abcdef'
const defaults = resolveConfig({ SECRET_KEY }).cookies

describe('cookies: the defaults of docs/contract.md', () => {
  it('access_token: HttpOnly; SameSite=Lax; Path=/; Max-Age=900; not Secure over HTTP', () => {
    assert.deepEqual(setCookie(defaults.access, 'jwt'), {
      name: 'access_token',
      value: 'jwt',
      options: { path: '/', secure: false, httpOnly: true, sameSite: 'lax', maxAge: 900 },
    })
  })

  it('refresh_token: HttpOnly; SameSite=Lax; Path=/accounts/auth/; Max-Age=2592000', () => {
    assert.deepEqual(setCookie(defaults.refresh, 'jwt'), {
      name: 'refresh_token',
      value: 'jwt',
      options: { path: '/accounts/auth/', secure: false, httpOnly: true, sameSite: 'lax', maxAge: 2592000 },
    })
  })

  it('csrftoken: not HttpOnly (the front end reads it); SameSite=Lax; Path=/; Max-Age=31449600', () => {
    assert.deepEqual(setCookie(defaults.csrf, 'secret'), {
      name: 'csrftoken',
      value: 'secret',
      options: { path: '/', secure: false, httpOnly: false, sameSite: 'lax', maxAge: 31449600 },
    })
  })

  it('carries no Domain unless one is configured', () => {
    for (const c of Object.values(defaults)) assert.equal('domain' in setCookie(c, 'v').options, false)
  })

  it('follows the refresh path when the prefix changes', () => {
    assert.equal(resolveConfig({ SECRET_KEY, API_PREFIX: '/api/v1/' }).cookies.refresh.path, '/api/v1/auth/')
  })
})

describe('cookies: Secure', () => {
  it('every cookie is Secure over HTTPS even when AUTH_COOKIE_SECURE is off', () => {
    for (const c of Object.values(defaults)) assert.equal(setCookie(c, 'v', true).options.secure, true)
  })

  it('AUTH_COOKIE_SECURE=true makes every cookie Secure over plain HTTP too (the CSRF cookie follows it)', () => {
    const secure = resolveConfig({ SECRET_KEY, AUTH_COOKIE_SECURE: 'true' }).cookies
    for (const c of Object.values(secure)) assert.equal(setCookie(c, 'v', false).options.secure, true)
  })

  it('a maxAge argument overrides the configured lifetime', () => {
    assert.equal(setCookie(defaults.access, 'v', false, 60).options.maxAge, 60)
  })
})

describe('cookies: settings', () => {
  it('names, domain, SameSite and lifetimes are settings', () => {
    const c = resolveConfig({
      SECRET_KEY,
      AUTH_COOKIE_ACCESS: 'at',
      AUTH_COOKIE_REFRESH: 'rt',
      CSRF_COOKIE_NAME: 'xsrf',
      AUTH_COOKIE_DOMAIN: '.example.com',
      AUTH_COOKIE_SAMESITE: 'Strict',
      ACCESS_TOKEN_LIFETIME: '5m',
      REFRESH_TOKEN_LIFETIME: '1d',
    }).cookies
    assert.deepEqual(setCookie(c.access, 'v').options, { path: '/', domain: '.example.com', secure: false, httpOnly: true, sameSite: 'strict', maxAge: 300 })
    assert.deepEqual(setCookie(c.refresh, 'v').options, { path: '/accounts/auth/', domain: '.example.com', secure: false, httpOnly: true, sameSite: 'strict', maxAge: 86400 })
    assert.equal(setCookie(c.csrf, 'v').name, 'xsrf')
  })

  it('SameSite=None (with Secure) is written as none', () => {
    const c = resolveConfig({ SECRET_KEY, AUTH_COOKIE_SAMESITE: 'None', AUTH_COOKIE_SECURE: 'true' }).cookies
    assert.equal(setCookie(c.access, 'v').options.sameSite, 'none')
    assert.equal(setCookie(c.access, 'v').options.secure, true)
  })
})

describe('cookies: deletion', () => {
  it('sends the cookie again, empty, with Max-Age=0, Expires in 1970 and the same Path', () => {
    for (const c of Object.values(defaults)) {
      const deleted = deleteCookie(c)
      assert.equal(deleted.name, c.name)
      assert.equal(deleted.value, '')
      assert.equal(deleted.options.maxAge, 0)
      assert.equal(deleted.options.expires?.getTime(), 0)
      assert.equal(deleted.options.expires?.getUTCFullYear(), 1970)
      assert.equal(deleted.options.path, setCookie(c, 'v').options.path)
    }
    assert.equal(deleteCookie(defaults.refresh).options.path, '/accounts/auth/')
  })

  it('keeps the Domain it was set with (otherwise the browser keeps the original)', () => {
    const c = resolveConfig({ SECRET_KEY, AUTH_COOKIE_DOMAIN: '.example.com', AUTH_COOKIE_REFRESH_PATH: '/auth/' }).cookies
    assert.equal(deleteCookie(c.access).options.domain, '.example.com')
    assert.equal(deleteCookie(c.refresh).options.domain, '.example.com')
    assert.equal(deleteCookie(c.refresh).options.path, '/auth/')
  })

  it('keeps the attributes it was set with (Secure over HTTPS, SameSite, HttpOnly)', () => {
    const { maxAge: _set, ...setAttrs } = setCookie(defaults.access, 'v', true).options
    const { maxAge: _del, expires: _exp, ...delAttrs } = deleteCookie(defaults.access, true).options
    assert.deepEqual(delAttrs, setAttrs)
  })
})
