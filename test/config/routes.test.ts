import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { configWarnings, coveringPath, resolveConfig, ROUTE_NAMES, routeVariable, type Env } from '../../src/config/index.js'
import { TesseraError } from '../../src/errors.js'

const SECRET_KEY = 'config-test-secret-key-long-enough-0123456789abcdef'
const resolve = (env: Env) => resolveConfig({ SECRET_KEY, ...env })

function refuses(env: Env, variable: string, also?: RegExp): void {
  assert.throws(
    () => resolve(env),
    (error: unknown) => {
      assert.ok(error instanceof TesseraError && error.code === 'ERR_CONFIG_INVALID', String(error))
      assert.ok(error.message.includes(variable), `"${error.message}" should name ${variable}`)
      if (also) assert.match(error.message, also)
      return true
    },
  )
}

describe('config: the route table', () => {
  it('seed is part 1 of the contract; each profile has the contract’s table', () => {
    const seed = resolve({}).routes
    assert.equal(seed.login.path, '/auth/login/')
    assert.deepEqual(seed.logout.methods, ['POST'])
    assert.equal(resolve({}).cookies.refresh.path, '/accounts/auth/')
    const simplejwt = resolve({ ROUTE_PROFILE: 'simplejwt' }).routes
    assert.deepEqual(
      [simplejwt.login.path, simplejwt.refresh.path, simplejwt.logout.path, simplejwt.verify.path],
      ['/token/', '/token/refresh/', '/token/blacklist/', '/token/verify/'],
    )
    const dj = resolve({ ROUTE_PROFILE: 'dj-rest-auth' })
    assert.deepEqual(
      [dj.routes.login.path, dj.routes.register.path, dj.routes.passwordResetConfirm.path, dj.routes.resendEmail.path],
      ['/login/', '/registration/', '/password/reset/confirm/', '/registration/resend-email/'],
    )
    assert.equal(dj.cookies.refresh.path, '/accounts/')
  })

  it('every route has a ROUTE_<NAME> variable and a _METHODS one', () => {
    assert.equal(routeVariable('csrfToken'), 'ROUTE_CSRF_TOKEN')
    assert.equal(routeVariable('passwordResetConfirm'), 'ROUTE_PASSWORD_RESET_CONFIRM')
    for (const name of ROUTE_NAMES) assert.equal(resolve({ [routeVariable(name)]: `x/${name}/` }).routes[name].path, `/x/${name}/`)
  })

  it('overrides: a leading slash is dropped, the refresh cookie path follows, AUTH_COOKIE_REFRESH_PATH still wins', () => {
    const config = resolve({ ROUTE_REFRESH: '/jwt/refresh/', ROUTE_LOGOUT: 'jwt/out/' })
    assert.equal(config.routes.refresh.path, '/jwt/refresh/')
    assert.equal(config.cookies.refresh.path, '/accounts/jwt/')
    assert.equal(resolve({ ROUTE_REFRESH: '/jwt/refresh/', ROUTE_LOGOUT: 'jwt/out/', AUTH_COOKIE_REFRESH_PATH: '/' }).cookies.refresh.path, '/')
  })

  it('refuses bad paths, duplicates and the server’s own paths', () => {
    refuses({ ROUTE_LOGIN: '../admin/' }, 'ROUTE_LOGIN')
    refuses({ ROUTE_LOGIN: 'a//b/' }, 'ROUTE_LOGIN')
    refuses({ ROUTE_LOGIN: 'users/:id/' }, 'ROUTE_LOGIN')
    refuses({ ROUTE_LOGIN: 'log in/' }, 'ROUTE_LOGIN')
    refuses({ ROUTE_LOGIN: 'openapi.json' }, 'ROUTE_LOGIN')
    refuses({ ROUTE_LOGIN: 'user/' }, 'ROUTE_LOGIN', /same path/)
    refuses({ ROUTE_PROFILE: 'django' }, 'ROUTE_PROFILE', /seed, simplejwt, dj-rest-auth/)
  })

  it('methods: chosen from the allowed ones; the routes with one handler per method cannot be changed', () => {
    assert.deepEqual(resolve({ ROUTE_LOGOUT_METHODS: 'post,DELETE' }).routes.logout.methods, ['POST', 'DELETE'])
    assert.deepEqual(resolve({ LOGOUT_ON_GET: 'true' }).routes.logout.methods, ['POST', 'GET'])
    refuses({ ROUTE_LOGOUT_METHODS: 'POST,TRACE' }, 'ROUTE_LOGOUT_METHODS')
    refuses({ ROUTE_LOGIN_METHODS: 'GET' }, 'ROUTE_LOGIN_METHODS', /POST, PUT, PATCH, DELETE/)
    refuses({ ROUTE_USER_METHODS: 'GET' }, 'ROUTE_USER_METHODS', /cannot be chosen/)
    refuses({ ROUTE_CSRF_TOKEN_METHODS: 'POST' }, 'ROUTE_CSRF_TOKEN_METHODS')
    refuses({ LOGOUT_ON_GET: 'maybe' }, 'LOGOUT_ON_GET')
  })

  it('coveringPath: the deepest path over several routes', () => {
    const routes = resolve({}).routes
    assert.equal(coveringPath('/accounts', routes, ['refresh', 'logout']), '/accounts/auth/')
    assert.equal(coveringPath('/accounts', routes, ['refresh']), '/accounts/auth/refresh_token/')
    assert.equal(coveringPath('', routes, ['user', 'login']), '/')
    const token = resolve({ ROUTE_LOGOUT: 'token', ROUTE_REFRESH: 'token/refresh/' }).routes
    assert.equal(coveringPath('/api', token, ['refresh', 'logout']), '/api/token', 'a cookie path without its slash covers the route that is that path')
  })

  it('LANGUAGE_CODE: a language with a catalogue, refused otherwise', () => {
    assert.equal(resolve({}).i18n.languageCode, 'en')
    assert.equal(resolve({ LANGUAGE_CODE: 'pt-BR' }).i18n.languageCode, 'pt-br')
    assert.equal(resolve({ LANGUAGE_CODE: 'de-at' }).i18n.languageCode, 'de')
    refuses({ LANGUAGE_CODE: 'klingon' }, 'LANGUAGE_CODE')
  })
})

describe('config: warnings of the route table', () => {
  it('a logout that answers GET is said at start', () => {
    assert.deepEqual(configWarnings(resolve({})), [])
    assert.match(configWarnings(resolve({ LOGOUT_ON_GET: 'true' }))[0] ?? '', /logout answers GET/)
    assert.match(configWarnings(resolve({ ROUTE_LOGOUT_METHODS: 'GET,POST' }))[0] ?? '', /logout answers GET/)
  })
})
