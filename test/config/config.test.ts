import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseDuration, resolveConfig, type Env } from '../../src/config/index.js'
import { TesseraError } from '../../src/errors.js'

const SECRET_KEY = 'config-test-secret-key-long-enough-0123456789abcdef'

/** Asserts that `env` is refused with ERR_CONFIG_INVALID and a message naming `variable`. */
function refuses(env: Env, variable: string, also?: RegExp): void {
  assert.throws(
    () => resolveConfig({ SECRET_KEY, ...env }),
    (error: unknown) => {
      assert.ok(error instanceof TesseraError, String(error))
      assert.equal(error.code, 'ERR_CONFIG_INVALID')
      assert.ok(error.message.includes(variable), `"${error.message}" should name ${variable}`)
      if (also) assert.match(error.message, also)
      return true
    },
  )
}

describe('config: defaults', () => {
  const config = resolveConfig({ SECRET_KEY })

  it('serves on 127.0.0.1:8000 from a SQLite file under ./data, routes under /accounts', () => {
    assert.equal(config.env, 'development')
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.port, 8000)
    assert.equal(config.database.url, './data/tessera.sqlite3')
    assert.equal(config.prefix, '/accounts')
    assert.equal(config.bodyLimit, 64 * 1024)
    assert.equal(config.trustProxy, false)
  })

  it('HS256 with 15-minute access and 30-day refresh tokens, rotation on', () => {
    assert.equal(config.tokens.algorithm, 'HS256')
    assert.equal(config.tokens.secretKey, SECRET_KEY)
    assert.equal(config.tokens.accessLifetime, 900)
    assert.equal(config.tokens.refreshLifetime, 2592000)
    assert.equal(config.tokens.rotate, true)
    assert.equal(config.tokens.leeway, 0)
  })

  it("the contract's cookies, CSRF header and empty allow-lists", () => {
    assert.deepEqual(config.cookies.access, { name: 'access_token', path: '/', domain: undefined, secure: false, sameSite: 'Lax', httpOnly: true, maxAge: 900 })
    assert.deepEqual(config.cookies.refresh, { name: 'refresh_token', path: '/accounts/auth/', domain: undefined, secure: false, sameSite: 'Lax', httpOnly: true, maxAge: 2592000 })
    assert.deepEqual(config.cookies.csrf, { name: 'csrftoken', path: '/', domain: undefined, secure: false, sameSite: 'Lax', httpOnly: false, maxAge: 31449600 })
    assert.equal(config.csrf.headerName, 'X-CSRFToken')
    assert.deepEqual(config.csrf.trustedOrigins, [])
    assert.deepEqual(config.cors.allowedOrigins, [])
  })

  it("argon2id at OWASP's parameters (m=19456 KiB, t=2, p=1), as many at once as the hasher's default", () => {
    assert.deepEqual(config.passwords, { memoryCost: 19456, timeCost: 2, parallelism: 1, maxConcurrency: undefined, legacyConcurrency: 1, legacyQueue: 4 })
  })

  it('LEGACY_HASH_CONCURRENCY and LEGACY_HASH_QUEUE bound the imported-hash checks (defaults 1 and 4; a queue of 0 sheds at once)', () => {
    assert.equal(resolveConfig({ SECRET_KEY }).passwords.legacyConcurrency, 1)
    assert.equal(resolveConfig({ SECRET_KEY }).passwords.legacyQueue, 4)
    assert.equal(resolveConfig({ SECRET_KEY, LEGACY_HASH_CONCURRENCY: '2', LEGACY_HASH_QUEUE: '0' }).passwords.legacyQueue, 0)
    assert.throws(() => resolveConfig({ SECRET_KEY, LEGACY_HASH_CONCURRENCY: '0' }), /LEGACY_HASH_CONCURRENCY/)
    assert.throws(() => resolveConfig({ SECRET_KEY, LEGACY_HASH_QUEUE: '-1' }), /LEGACY_HASH_QUEUE/)
  })

  it('ARGON2_MAX_CONCURRENCY bounds the hashes at once, and must be a positive integer', () => {
    assert.equal(resolveConfig({ SECRET_KEY, ARGON2_MAX_CONCURRENCY: '3' }).passwords.maxConcurrency, 3)
    assert.throws(() => resolveConfig({ SECRET_KEY, ARGON2_MAX_CONCURRENCY: '0' }), /ARGON2_MAX_CONCURRENCY/)
  })

  it('is deeply frozen', () => {
    assert.ok(Object.isFrozen(config))
    assert.ok(Object.isFrozen(config.tokens))
    assert.ok(Object.isFrozen(config.cookies.access))
    assert.ok(Object.isFrozen(config.csrf.trustedOrigins))
    assert.throws(() => {
      ;(config.tokens as { secretKey: string }).secretKey = 'changed'
    }, TypeError)
  })

  it('reads the contract variables', () => {
    const c = resolveConfig({
      SECRET_KEY,
      HOST: '0.0.0.0',
      PORT: '9000',
      DATABASE_URL: 'sqlite:/tmp/x.db',
      ROTATE_REFRESH_TOKENS: 'false',
      CSRF_TRUSTED_ORIGINS: 'https://app.example.com, https://*.example.org',
      CORS_ALLOWED_ORIGINS: 'https://app.example.com http://localhost:5173',
      ACCESS_TOKEN_LIFETIME: '5m',
      REFRESH_TOKEN_LIFETIME: '7d',
      API_PREFIX: '/auth-api/',
    })
    assert.equal(c.host, '0.0.0.0')
    assert.equal(c.port, 9000)
    assert.equal(c.database.url, 'sqlite:/tmp/x.db')
    assert.equal(c.tokens.rotate, false)
    assert.deepEqual(c.csrf.trustedOrigins, ['https://app.example.com', 'https://*.example.org'])
    assert.deepEqual(c.cors.allowedOrigins, ['https://app.example.com', 'http://localhost:5173'])
    assert.equal(c.tokens.accessLifetime, 300)
    assert.equal(c.cookies.access.maxAge, 300)
    assert.equal(c.cookies.refresh.maxAge, 7 * 86400)
    assert.equal(c.prefix, '/auth-api')
    assert.equal(c.cookies.refresh.path, '/auth-api/auth/')
  })

  it('treats an empty or blank variable as unset', () => {
    assert.equal(resolveConfig({ SECRET_KEY, PORT: '', HOST: '   ' }).port, 8000)
    assert.equal(resolveConfig({ SECRET_KEY, HOST: '   ' }).host, '127.0.0.1')
  })
})

describe('config: durations', () => {
  const cases: [string, number][] = [['900', 900], ['900s', 900], ['15m', 900], ['2h', 7200], ['30d', 2592000], ['1w', 604800], ['1.5s', 1.5], ['500ms', 0.5]]
  for (const [raw, seconds] of cases) it(`${raw} → ${seconds}s`, () => assert.equal(parseDuration('X', raw), seconds))

  for (const variable of ['ACCESS_TOKEN_LIFETIME', 'REFRESH_TOKEN_LIFETIME', 'REFRESH_REUSE_GRACE', 'USER_CACHE_TTL']) {
    for (const bad of ['-5m', '0', '0s', 'soon', '15 minutes', '1e3', 'Infinity', 'NaN', '5mm']) {
      it(`refuses ${variable}=${bad}, naming the variable and the value`, () => refuses({ [variable]: bad }, variable, new RegExp(`got '${bad}'`)))
    }
  }

  it('refuses a reuse grace that is not shorter than the refresh lifetime', () => refuses({ REFRESH_TOKEN_LIFETIME: '10s', REFRESH_REUSE_GRACE: '10s' }, 'REFRESH_REUSE_GRACE'))
})

describe('config: every validation message names its variable', () => {
  const cases: [string, Env, string][] = [
    ['bad NODE_ENV', { NODE_ENV: 'staging' }, 'NODE_ENV'],
    ['PORT out of range', { PORT: '70000' }, 'PORT'],
    ['PORT not a number', { PORT: '80a' }, 'PORT'],
    ['negative PORT', { PORT: '-1' }, 'PORT'],
    ['bad boolean', { ROTATE_REFRESH_TOKENS: 'maybe' }, 'ROTATE_REFRESH_TOKENS'],
    ['bad TRUST_PROXY', { TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    ['TRUST_PROXY with a bad CIDR', { TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    ['ALLOWED_HOSTS with a port', { ALLOWED_HOSTS: 'example.com:8000' }, 'ALLOWED_HOSTS'],
    ['ALLOWED_HOSTS with a scheme', { ALLOWED_HOSTS: 'https://example.com' }, 'ALLOWED_HOSTS'],
    ['ALLOWED_HOSTS missing in production', { NODE_ENV: 'production' }, 'ALLOWED_HOSTS'],
    ['bad RATE_LIMIT_GLOBAL_DELAY', { RATE_LIMIT_GLOBAL_DELAY: '1h' }, 'RATE_LIMIT_GLOBAL_DELAY'],
    ['bad RATE_LIMIT_IPV4_SUBNET_PER_MINUTE', { RATE_LIMIT_IPV4_SUBNET_PER_MINUTE: '0' }, 'RATE_LIMIT_IPV4_SUBNET_PER_MINUTE'],
    ['unknown algorithm', { JWT_ALGORITHM: 'none' }, 'JWT_ALGORITHM'],
    ['bad SameSite', { AUTH_COOKIE_SAMESITE: 'sometimes' }, 'AUTH_COOKIE_SAMESITE'],
    ['API_PREFIX not a path', { API_PREFIX: 'accounts' }, 'API_PREFIX'],
    ['tiny BODY_LIMIT', { BODY_LIMIT: '10' }, 'BODY_LIMIT'],
    ['bad JWT_LEEWAY', { JWT_LEEWAY: '3600' }, 'JWT_LEEWAY'],
    ['bad cookie name', { AUTH_COOKIE_ACCESS: 'a b' }, 'AUTH_COOKIE_ACCESS'],
    ['bad refresh cookie name', { AUTH_COOKIE_REFRESH: 'r;t' }, 'AUTH_COOKIE_REFRESH'],
    ['bad CSRF cookie name', { CSRF_COOKIE_NAME: 'x=y' }, 'CSRF_COOKIE_NAME'],
    ['cookie path without /', { AUTH_COOKIE_PATH: 'api' }, 'AUTH_COOKIE_PATH'],
    ['refresh path without /', { AUTH_COOKIE_REFRESH_PATH: 'auth/' }, 'AUTH_COOKIE_REFRESH_PATH'],
    ['CSRF path without /', { CSRF_COOKIE_PATH: 'x' }, 'CSRF_COOKIE_PATH'],
    ['two cookies with one name', { AUTH_COOKIE_REFRESH: 'access_token' }, 'AUTH_COOKIE_REFRESH'],
    ['CSRF cookie named like the access cookie', { CSRF_COOKIE_NAME: 'access_token' }, 'CSRF_COOKIE_NAME'],
    ['bad CSRF_COOKIE_AGE', { CSRF_COOKIE_AGE: '0' }, 'CSRF_COOKIE_AGE'],
    ['CORS origin with a wildcard', { CORS_ALLOWED_ORIGINS: 'https://*.example.com' }, 'CORS_ALLOWED_ORIGINS'],
    ['CORS origin with a path', { CORS_ALLOWED_ORIGINS: 'https://example.com/app' }, 'CORS_ALLOWED_ORIGINS'],
    ['weak argon2 in production', { NODE_ENV: 'production', ARGON2_MEMORY_COST: '1024' }, 'ARGON2_MEMORY_COST'],
    ['argon2 time cost 0', { ARGON2_TIME_COST: '0' }, 'ARGON2_TIME_COST'],
  ]
  for (const [name, env, variable] of cases) it(`${name} → names ${variable}`, () => refuses(env, variable))

  it('CSRF_TRUSTED_ORIGINS entries without a scheme are refused (Django 4.0+ requires one)', () => {
    refuses({ CSRF_TRUSTED_ORIGINS: 'example.com' }, 'CSRF_TRUSTED_ORIGINS', /'example\.com'/)
    refuses({ CSRF_TRUSTED_ORIGINS: 'https://ok.example.com,*.example.com' }, 'CSRF_TRUSTED_ORIGINS', /'\*\.example\.com'/)
    refuses({ CSRF_TRUSTED_ORIGINS: '//example.com' }, 'CSRF_TRUSTED_ORIGINS')
    refuses({ CSRF_TRUSTED_ORIGINS: 'https://example.com/path' }, 'CSRF_TRUSTED_ORIGINS')
  })
})

describe('config: cookie rules that browsers enforce silently', () => {
  it('SameSite=None without Secure is refused, for the auth cookies and the CSRF cookie', () => {
    refuses({ AUTH_COOKIE_SAMESITE: 'None' }, 'AUTH_COOKIE_SAMESITE', /AUTH_COOKIE_SECURE/)
    refuses({ CSRF_COOKIE_SAMESITE: 'None' }, 'CSRF_COOKIE_SAMESITE', /CSRF_COOKIE_SECURE/)
    refuses({ AUTH_COOKIE_SECURE: 'true', CSRF_COOKIE_SECURE: 'false', CSRF_COOKIE_SAMESITE: 'None' }, 'CSRF_COOKIE_SAMESITE')
  })

  it('SameSite=None with Secure is accepted', () => {
    const c = resolveConfig({ SECRET_KEY, AUTH_COOKIE_SAMESITE: 'none', AUTH_COOKIE_SECURE: 'true', CSRF_COOKIE_SAMESITE: 'None' })
    assert.equal(c.cookies.access.sameSite, 'None')
    assert.equal(c.cookies.csrf.secure, true)
  })

  it('__Secure- needs Secure', () => {
    refuses({ AUTH_COOKIE_ACCESS: '__Secure-access' }, 'AUTH_COOKIE_ACCESS', /AUTH_COOKIE_SECURE/)
    refuses({ CSRF_COOKIE_NAME: '__Secure-csrf' }, 'CSRF_COOKIE_NAME', /CSRF_COOKIE_SECURE/)
    assert.equal(resolveConfig({ SECRET_KEY, AUTH_COOKIE_ACCESS: '__Secure-access', AUTH_COOKIE_SECURE: 'true' }).cookies.access.name, '__Secure-access')
  })

  it('__Host- needs Secure, Path=/ and no Domain', () => {
    refuses({ AUTH_COOKIE_ACCESS: '__Host-access' }, 'AUTH_COOKIE_ACCESS', /AUTH_COOKIE_SECURE/)
    refuses({ AUTH_COOKIE_ACCESS: '__Host-access', AUTH_COOKIE_SECURE: 'true', AUTH_COOKIE_DOMAIN: 'example.com' }, 'AUTH_COOKIE_DOMAIN')
    refuses({ AUTH_COOKIE_ACCESS: '__Host-access', AUTH_COOKIE_SECURE: 'true', AUTH_COOKIE_PATH: '/api/' }, 'AUTH_COOKIE_PATH')
    refuses({ CSRF_COOKIE_NAME: '__Host-csrf', CSRF_COOKIE_SECURE: 'true', CSRF_COOKIE_DOMAIN: 'example.com' }, 'CSRF_COOKIE_NAME')
    // The refresh cookie's default path is narrow, so __Host- can never work for it.
    refuses({ AUTH_COOKIE_REFRESH: '__Host-refresh', AUTH_COOKIE_SECURE: 'true' }, 'AUTH_COOKIE_REFRESH', /use __Secure- instead/)
    const ok = resolveConfig({ SECRET_KEY, AUTH_COOKIE_ACCESS: '__Host-access', CSRF_COOKIE_NAME: '__Host-csrf', AUTH_COOKIE_SECURE: 'true' })
    assert.equal(ok.cookies.access.name, '__Host-access')
    assert.equal(ok.cookies.csrf.name, '__Host-csrf')
  })
})

describe('config: the signing key', () => {
  it('is required (resolveConfig does not invent one)', () => {
    assert.throws(() => resolveConfig({}), /tokens\.secretKey \(SECRET_KEY\) is required/)
    assert.throws(() => resolveConfig({ SECRET_KEY: '   ' }), /tokens\.secretKey \(SECRET_KEY\) is required/)
  })

  it('production refuses a missing key', () => {
    assert.throws(() => resolveConfig({ NODE_ENV: 'production' }), /SECRET_KEY/)
  })

  it('production refuses a short or well-known key', () => {
    for (const weak of ['short', 'secret', 'changeme', `django-insecure-${'x'.repeat(50)}`, 'development-key-that-is-long-enough-to-pass-length', 'a'.repeat(31)]) {
      assert.throws(() => resolveConfig({ NODE_ENV: 'production', SECRET_KEY: weak }), /tokens\.secretKey \(SECRET_KEY\) is too weak/, weak)
    }
  })

  it('production accepts a strong key', () => {
    assert.equal(resolveConfig({ NODE_ENV: 'production', SECRET_KEY, ALLOWED_HOSTS: 'api.example.com' }).env, 'production')
  })

  it('development and test accept a weak key (the dev fallback is loadOptions’ job)', () => {
    assert.equal(resolveConfig({ SECRET_KEY: 'dev' }).tokens.secretKey, 'dev')
    assert.equal(resolveConfig({ NODE_ENV: 'test', SECRET_KEY: 'test' }).env, 'test')
  })
})
