import { TesseraError } from '../errors.js'
import { createReader, parseDuration, type Env } from './parse.js'

export const ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA'] as const
export type Algorithm = (typeof ALGORITHMS)[number]
export type SameSite = 'Lax' | 'Strict' | 'None'

export interface CookieSettings {
  name: string
  path: string
  domain: string | undefined
  secure: boolean
  sameSite: SameSite
  httpOnly: boolean
  /** Seconds. */
  maxAge: number
}

export interface TokenSettings {
  algorithm: Algorithm
  /** The HMAC secret for HS* algorithms (SimpleJWT's SIGNING_KEY, which defaults to Django's SECRET_KEY). */
  secretKey: string
  /** Former secrets that still verify (Django 4.1's SECRET_KEY_FALLBACKS), for rotating SECRET_KEY. */
  secretKeyFallbacks: string[]
  /** Seconds. */
  accessLifetime: number
  refreshLifetime: number
  rotate: boolean
  /** Seconds during which a replay of the immediate parent gets the same successor (many tabs). */
  reuseGrace: number
  issuer: string | undefined
  audience: string | undefined
  /** Seconds of clock skew tolerated on `exp`/`nbf`. */
  leeway: number
}

export interface RateLimitSettings {
  enabled: boolean
  /** Failures of one IP+username pair before it is throttled, and its longest delay (s). */
  pairFreeAttempts: number
  pairMaxDelay: number
  /** Failures of one username from anywhere before it is throttled, and its (capped) longest delay (s). */
  userFreeAttempts: number
  userMaxDelay: number
  /** Failed logins and refreshes, and registrations, of one IP per minute. */
  ipPerMinute: number
}

/** PostgreSQL pool and the bounds on how long a request may wait for the database. */
export interface DatabaseSettings {
  poolSize: number
  /** Milliseconds to get a connection (new or from a full pool) before answering 503. */
  connectTimeout: number
  /** Milliseconds a statement may run (server side) and a reply may take (client side). */
  timeout: number
}

/** Running many instances: Redis, the revocation catch-up read and the expired-token timer. */
export interface ScaleSettings {
  /** `redis://` or `rediss://` URL; absent: per-instance counters, revocations over LISTEN/NOTIFY (PostgreSQL) and catch-up. */
  redisUrl: string | undefined
  /** Prefix of every Redis key and channel, so deployments can share one Redis. */
  redisPrefix: string
  /** Milliseconds a Redis command may take before the instance falls back to memory. */
  redisTimeout: number
  /** Milliseconds between catch-up reads of recently revoked sessions (repairs missed broadcasts). */
  catchupInterval: number
  /** Milliseconds between `flushexpiredtokens` runs inside the server; 0: never (run the command from cron). */
  flushExpiredEvery: number
  /** `/readyz` answers 503 when Redis is down too (default: Redis down only degrades, see docs/scaling.md). */
  readyRequiresRedis: boolean
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined
}

export interface Config {
  env: 'development' | 'production' | 'test'
  host: string
  port: number
  databaseUrl: string
  dataDir: string
  prefix: string
  trustProxy: boolean
  bodyLimit: number
  logLevel: string
  registrationEnabled: boolean
  /** SIMPLEJWT_COMPAT: also accept access tokens issued by SimpleJWT (no session id), while migrating from Django. */
  simplejwtCompat: boolean
  userCacheTtl: number
  tokens: TokenSettings
  cookies: { access: CookieSettings; refresh: CookieSettings; csrf: CookieSettings }
  csrf: { trustedOrigins: string[]; headerName: string }
  cors: { allowedOrigins: string[] }
  passwords: { memoryCost: number; timeCost: number; parallelism: number; maxConcurrency: number | undefined; legacyConcurrency: number; legacyQueue: number }
  rateLimit: RateLimitSettings
  database: DatabaseSettings
  scale: ScaleSettings
}

const WEAK_KEYS = /^(secret|changeme|change-me|password|django-insecure-.*|test|dev.*)$/i

function fail(message: string): never {
  throw new TesseraError('ERR_CONFIG_INVALID', message)
}

/**
 * Reads and validates every setting once. Throws a TesseraError whose message names the variable;
 * the result is deeply frozen. `SECRET_KEY` must already be present (see `loadConfig` for the
 * development fallback).
 */
export function resolveConfig(env: Env): Config {
  const r = createReader(env)
  const mode = r.oneOf('NODE_ENV', ['development', 'production', 'test'], 'development')
  const prefix = r.string('API_PREFIX', '/accounts').replace(/\/+$/, '')
  if (!/^\/[A-Za-z0-9/_-]*$/.test(prefix)) fail(`API_PREFIX must be a path such as /accounts (got '${prefix}')`)

  const secretKey = r.optional('SECRET_KEY') ?? fail('SECRET_KEY is required (generate one with `tessera genkey`)')
  if (mode === 'production' && (Buffer.byteLength(secretKey) < 32 || WEAK_KEYS.test(secretKey))) {
    fail('SECRET_KEY is too weak for production: use at least 32 random bytes (`tessera genkey`)')
  }

  const secure = r.bool('AUTH_COOKIE_SECURE', false)
  const sameSite = r.oneOf<SameSite>('AUTH_COOKIE_SAMESITE', ['Lax', 'Strict', 'None'], 'Lax')
  const domain = r.optional('AUTH_COOKIE_DOMAIN')
  const accessLifetime = r.duration('ACCESS_TOKEN_LIFETIME', 15 * 60)
  const refreshLifetime = r.duration('REFRESH_TOKEN_LIFETIME', 30 * 86400)
  const csrfSecure = r.bool('CSRF_COOKIE_SECURE', secure)
  const csrfSameSite = r.oneOf<SameSite>('CSRF_COOKIE_SAMESITE', ['Lax', 'Strict', 'None'], 'Lax')

  const cookies = {
    access: { name: r.string('AUTH_COOKIE_ACCESS', 'access_token'), path: r.string('AUTH_COOKIE_PATH', '/'), domain, secure, sameSite, httpOnly: true, maxAge: Math.ceil(accessLifetime) },
    refresh: { name: r.string('AUTH_COOKIE_REFRESH', 'refresh_token'), path: r.string('AUTH_COOKIE_REFRESH_PATH', `${prefix}/auth/`), domain, secure, sameSite, httpOnly: true, maxAge: Math.ceil(refreshLifetime) },
    csrf: { name: r.string('CSRF_COOKIE_NAME', 'csrftoken'), path: r.string('CSRF_COOKIE_PATH', '/'), domain: r.optional('CSRF_COOKIE_DOMAIN'), secure: csrfSecure, sameSite: csrfSameSite, httpOnly: false, maxAge: r.int('CSRF_COOKIE_AGE', 31449600, 1) },
  }
  for (const which of ['access', 'refresh', 'csrf'] as const) checkCookie(which, cookies[which])
  if (cookies.access.name === cookies.refresh.name || cookies.access.name === cookies.csrf.name || cookies.refresh.name === cookies.csrf.name) {
    fail('AUTH_COOKIE_ACCESS, AUTH_COOKIE_REFRESH and CSRF_COOKIE_NAME must be three different names')
  }

  const trustedOrigins = r.list('CSRF_TRUSTED_ORIGINS')
  for (const origin of trustedOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) fail(`CSRF_TRUSTED_ORIGINS entry '${origin}' must be a scheme and host such as https://app.example.com or https://*.example.com`)
  }
  const allowedOrigins = r.list('CORS_ALLOWED_ORIGINS')
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[^/*]+$/.test(origin)) fail(`CORS_ALLOWED_ORIGINS entry '${origin}' must be a scheme and host such as https://app.example.com`)
  }

  const redisUrl = r.optional('REDIS_URL')
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/]/i.test(redisUrl)) fail(`REDIS_URL must be a redis:// or rediss:// URL (got '${redisUrl.replace(/\/\/[^@/]*@/, '//***@')}')`)
  const flushEvery = r.optional('FLUSH_EXPIRED_EVERY')
  const millis = (name: string, fallback: number, min: number) => {
    const ms = Math.round(r.duration(name, fallback / 1000) * 1000)
    return ms >= min ? ms : fail(`${name} must be at least ${min}ms (got ${ms}ms)`)
  }

  const config: Config = {
    env: mode,
    host: r.string('HOST', '127.0.0.1'),
    port: r.int('PORT', 8000, 0, 65535),
    databaseUrl: r.string('DATABASE_URL', './data/tessera.sqlite3'),
    dataDir: r.string('DATA_DIR', './data'),
    prefix,
    trustProxy: r.bool('TRUST_PROXY', false),
    bodyLimit: r.int('BODY_LIMIT', 64 * 1024, 1024),
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], mode === 'test' ? 'silent' : 'info'),
    registrationEnabled: r.bool('REGISTRATION_ENABLED', true),
    simplejwtCompat: r.bool('SIMPLEJWT_COMPAT', false),
    userCacheTtl: r.duration('USER_CACHE_TTL', 5),
    tokens: {
      algorithm: r.oneOf('JWT_ALGORITHM', ALGORITHMS, 'HS256'),
      secretKey,
      secretKeyFallbacks: r.list('SECRET_KEY_FALLBACKS'),
      accessLifetime,
      refreshLifetime,
      rotate: r.bool('ROTATE_REFRESH_TOKENS', true),
      reuseGrace: r.duration('REFRESH_REUSE_GRACE', 10),
      issuer: r.optional('JWT_ISSUER'),
      audience: r.optional('JWT_AUDIENCE'),
      leeway: r.int('JWT_LEEWAY', 0, 0, 300),
    },
    cookies,
    csrf: { trustedOrigins, headerName: r.string('CSRF_HEADER_NAME', 'X-CSRFToken') },
    cors: { allowedOrigins },
    passwords: {
      memoryCost: r.int('ARGON2_MEMORY_COST', 19456, 1024, 4 * 1024 * 1024),
      timeCost: r.int('ARGON2_TIME_COST', 2, 1, 100),
      parallelism: r.int('ARGON2_PARALLELISM', 1, 1, 16),
      // Undefined: CPUs less one (see src/passwords/semaphore.ts).
      maxConcurrency: r.optional('ARGON2_MAX_CONCURRENCY') === undefined ? undefined : r.int('ARGON2_MAX_CONCURRENCY', 1, 1, 256),
      // Imported (Django) hashes: checked apart, a few at a time, the excess shed with 503 (src/passwords/hasher.ts).
      legacyConcurrency: r.int('LEGACY_HASH_CONCURRENCY', 1, 1, 256),
      legacyQueue: r.int('LEGACY_HASH_QUEUE', 4, 0, 100_000),
    },
    rateLimit: {
      enabled: r.bool('RATE_LIMIT_ENABLED', true),
      pairFreeAttempts: r.int('RATE_LIMIT_PAIR_FREE_ATTEMPTS', 5, 1),
      pairMaxDelay: r.duration('RATE_LIMIT_PAIR_MAX_DELAY', 3600),
      userFreeAttempts: r.int('RATE_LIMIT_USER_FREE_ATTEMPTS', 20, 1),
      userMaxDelay: r.duration('RATE_LIMIT_USER_MAX_DELAY', 60),
      ipPerMinute: r.int('RATE_LIMIT_IP_PER_MINUTE', 60, 1),
    },
    database: {
      poolSize: r.int('DB_POOL_SIZE', 10, 1, 1000),
      connectTimeout: millis('DB_CONNECT_TIMEOUT', 3000, 100),
      timeout: millis('DB_TIMEOUT', 5000, 100),
    },
    scale: {
      redisUrl,
      redisPrefix: r.string('REDIS_PREFIX', 'tessera:'),
      redisTimeout: millis('REDIS_TIMEOUT', 500, 50),
      catchupInterval: millis('CATCHUP_INTERVAL', 5000, 100),
      flushExpiredEvery: flushEvery === undefined || /^(0|off|false|no)$/i.test(flushEvery) ? 0 : Math.round(parseDuration('FLUSH_EXPIRED_EVERY', flushEvery) * 1000),
      readyRequiresRedis: r.bool('READY_REQUIRES_REDIS', false),
      metricsToken: r.optional('METRICS_TOKEN'),
    },
  }
  if (config.scale.flushExpiredEvery > 0 && config.scale.flushExpiredEvery < 1000) fail('FLUSH_EXPIRED_EVERY must be at least 1s (or 0/off)')
  if (config.tokens.reuseGrace >= config.tokens.refreshLifetime) fail('REFRESH_REUSE_GRACE must be shorter than REFRESH_TOKEN_LIFETIME')
  if (mode === 'production' && config.passwords.memoryCost < 19456) fail('ARGON2_MEMORY_COST below 19456 KiB is refused in production (OWASP minimum)')
  return deepFreeze(config)
}

/** The variables that set each cookie, so that a message names the one to change. */
const COOKIE_VARS = {
  access: { name: 'AUTH_COOKIE_ACCESS', path: 'AUTH_COOKIE_PATH', domain: 'AUTH_COOKIE_DOMAIN', secure: 'AUTH_COOKIE_SECURE', sameSite: 'AUTH_COOKIE_SAMESITE' },
  refresh: { name: 'AUTH_COOKIE_REFRESH', path: 'AUTH_COOKIE_REFRESH_PATH', domain: 'AUTH_COOKIE_DOMAIN', secure: 'AUTH_COOKIE_SECURE', sameSite: 'AUTH_COOKIE_SAMESITE' },
  csrf: { name: 'CSRF_COOKIE_NAME', path: 'CSRF_COOKIE_PATH', domain: 'CSRF_COOKIE_DOMAIN', secure: 'CSRF_COOKIE_SECURE', sameSite: 'CSRF_COOKIE_SAMESITE' },
} as const

/** Browser rules that would otherwise make a cookie silently vanish. */
function checkCookie(which: keyof typeof COOKIE_VARS, c: CookieSettings): void {
  const v = COOKIE_VARS[which]
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(c.name)) fail(`${v.name} '${c.name}' is not a valid cookie name`)
  if (!c.path.startsWith('/')) fail(`${v.path} must start with / (got '${c.path}')`)
  if (c.sameSite === 'None' && !c.secure) fail(`${v.sameSite}=None requires ${v.secure}=true (browsers drop such cookies)`)
  if (c.name.startsWith('__Secure-') && !c.secure) fail(`${v.name} '${c.name}': the __Secure- prefix requires ${v.secure}=true`)
  if (c.name.startsWith('__Host-') && (!c.secure || c.path !== '/' || c.domain)) {
    fail(`${v.name} '${c.name}': the __Host- prefix requires ${v.secure}=true, ${v.path}=/ and no ${v.domain}${which === 'refresh' ? ' (the refresh cookie has a narrow path: use __Secure- instead)' : ''}`)
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
