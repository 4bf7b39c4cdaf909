import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ENV_VARIABLES, optionsFromEnv, resolveOptions, type TesseraOptions } from '../../src/config/index.js'
import { TesseraError } from '../../src/errors.js'

const secretKey = 'options-test-secret-key-long-enough-0123456789abcdef'

/** Asserts that `options` are refused with ERR_CONFIG_INVALID and exactly `message`. */
function refuses(options: TesseraOptions, message: string | RegExp): void {
  assert.throws(
    () => resolveOptions(options),
    (error: unknown) => {
      assert.ok(error instanceof TesseraError, String(error))
      assert.equal(error.code, 'ERR_CONFIG_INVALID')
      if (typeof message === 'string') assert.equal(error.message, message)
      else assert.match(error.message, message)
      return true
    },
  )
}

describe('resolveOptions: typed options from code', () => {
  it('fills every default from almost nothing', () => {
    const config = resolveOptions({ tokens: { secretKey } })
    assert.equal(config.prefix, '/accounts')
    assert.equal(config.database.url, './data/tessera.sqlite3')
    assert.equal(config.tokens.accessLifetime, 900)
    assert.equal(config.cookies.refresh.path, '/accounts/auth/')
  })

  it('durations carry their unit; the resolved config holds the unit its field names', () => {
    const config = resolveOptions({ tokens: { secretKey, accessLifetime: '5m', refreshLifetime: '7d', leeway: '0s' }, database: { timeout: '1500ms' }, userCacheTtl: '2s' })
    assert.equal(config.tokens.accessLifetime, 300)
    assert.equal(config.tokens.refreshLifetime, 7 * 86400)
    assert.equal(config.tokens.leeway, 0)
    assert.equal(config.database.timeout, 1500)
    assert.equal(config.userCacheTtl, 2)
  })

  it('the refresh cookie path follows the final prefix', () => {
    assert.equal(resolveOptions({ tokens: { secretKey }, prefix: '/auth' }).cookies.refresh.path, '/auth/auth/')
    assert.equal(resolveOptions({ tokens: { secretKey }, prefix: '/api/v1/' }).cookies.refresh.path, '/api/v1/auth/')
    // An explicit path wins.
    assert.equal(resolveOptions({ tokens: { secretKey }, prefix: '/auth', cookies: { refresh: { path: '/' } } }).cookies.refresh.path, '/')
  })

  it('messages name the option path when the option came from code', () => {
    refuses({}, 'tokens.secretKey is required (generate one with `tessera genkey`)')
    refuses({ tokens: { secretKey }, prefix: 'auth' }, "prefix must be a path such as /accounts (got 'auth')")
    refuses({ tokens: { secretKey, accessLifetime: '-5m' as never } }, "tokens.accessLifetime must be a positive duration such as 900ms, 15m, 30d (got '-5m')")
    refuses({ tokens: { secretKey }, port: 70000 }, "port must be an integer from 0 to 65535 (got '70000')")
    refuses({ tokens: { secretKey }, csrf: { trustedOrigins: ['app.example.com'] } }, /^csrf\.trustedOrigins entry 'app\.example\.com' must be a scheme and host/)
    refuses({ tokens: { secretKey }, database: { timeout: '10ms' } }, 'database.timeout must be at least 100ms (got 10ms)')
    refuses({ tokens: { secretKey }, cookies: { sameSite: 'None' } }, 'cookies.sameSite=None requires cookies.secure=true (browsers drop such cookies)')
    refuses({ tokens: { secretKey, algorithm: 'none' as never } }, /^tokens\.algorithm must be one of HS256/)
  })

  it('wrong types from untyped callers are refused, not coerced', () => {
    refuses({ tokens: { secretKey }, trustProxy: 'yes' as never }, "trustProxy must be true, false, a hop count, or a list of proxy addresses/CIDRs (got 'yes')")
    refuses({ tokens: { secretKey, accessLifetime: 900 as never } }, /^tokens\.accessLifetime must be a positive duration/)
    refuses({ tokens: { secretKey }, csrf: { trustedOrigins: 'https://a.example' as never } }, /^csrf\.trustedOrigins must be a list of strings/)
  })

  it('a resolved Config comes back as it is, frozen', () => {
    const config = resolveOptions({ tokens: { secretKey } })
    assert.equal(resolveOptions(config), config)
    assert.ok(Object.isFrozen(config.cookies.refresh))
  })
})

describe('optionsFromEnv: the one reader of the environment', () => {
  it('every variable maps to an option path, each path to one variable (one name per setting)', () => {
    const paths = Object.values(ENV_VARIABLES).map(([path]) => path)
    assert.equal(new Set(paths).size, paths.length)
  })

  it('reads variables into typed options; blank is unset', () => {
    const options = optionsFromEnv({ SECRET_KEY: secretKey, API_PREFIX: '/auth', ROTATE_REFRESH_TOKENS: 'false', PORT: '9000', CSRF_TRUSTED_ORIGINS: 'https://a.example, https://b.example', FLUSH_EXPIRED_EVERY: 'off', HOST: '  ' })
    assert.deepEqual(JSON.parse(JSON.stringify(options)), {
      prefix: '/auth',
      port: 9000,
      tokens: { secretKey, rotate: false },
      csrf: { trustedOrigins: ['https://a.example', 'https://b.example'] },
      scale: { flushExpiredEvery: false },
    })
  })

  it('messages name the option and the variable it came from', () => {
    refuses(optionsFromEnv({}), 'tokens.secretKey (SECRET_KEY) is required (generate one with `tessera genkey`)')
    refuses(optionsFromEnv({ SECRET_KEY: secretKey, ACCESS_TOKEN_LIFETIME: 'soon' }), "tokens.accessLifetime (ACCESS_TOKEN_LIFETIME) must be a positive duration such as 900ms, 15m, 30d (got 'soon')")
    refuses(optionsFromEnv({ SECRET_KEY: secretKey, AUTH_COOKIE_SAMESITE: 'None' }), 'cookies.sameSite (AUTH_COOKIE_SAMESITE)=None requires cookies.secure (AUTH_COOKIE_SECURE)=true (browsers drop such cookies)')
    assert.throws(() => optionsFromEnv({ PORT: '80a' }), /^TesseraError: port \(PORT\) must be a whole number \(got '80a'\)$/)
  })

  it('spread with options from code: each message names the source of its own setting', () => {
    const options = { ...optionsFromEnv({ SECRET_KEY: secretKey, ACCESS_TOKEN_LIFETIME: '1m' }), prefix: 'no-slash' }
    refuses(options, "prefix must be a path such as /accounts (got 'no-slash')")
    refuses({ ...optionsFromEnv({ SECRET_KEY: secretKey, REFRESH_REUSE_GRACE: '1h' }), tokens: { secretKey, refreshLifetime: '1m' as const, reuseGrace: '2h' as const } }, 'tokens.reuseGrace must be shorter than tokens.refreshLifetime')
  })

  it('a bare number of seconds, as the variables always allowed', () => {
    assert.equal(resolveOptions(optionsFromEnv({ SECRET_KEY: secretKey, ACCESS_TOKEN_LIFETIME: '600' })).tokens.accessLifetime, 600)
  })
})
