import type { TesseraOptions } from './options.js'
import { invalid, type Env } from './parse.js'
import { ROUTE_NAMES, routeVariable } from './routes.js'

type Kind = 'string' | 'bool' | 'int' | 'list' | 'duration' | 'duration-or-off' | 'trust-proxy'

/** `ROUTE_<NAME>` (a path) and `ROUTE_<NAME>_METHODS` (a list) for every route of the table. */
function routeVariables(): Record<string, readonly [string, Kind]> {
  return Object.fromEntries(ROUTE_NAMES.flatMap((route) => [[routeVariable(route), [`routes.paths.${route}`, 'string']], [`${routeVariable(route)}_METHODS`, [`routes.methods.${route}`, 'list']]]))
}

/**
 * Every environment variable and the option it sets: the only map between the two names, used to
 * read the environment and to name the variable in a validation message.
 */
export const ENV_VARIABLES = {
  NODE_ENV: ['env', 'string'],
  API_PREFIX: ['prefix', 'string'],
  DATA_DIR: ['dataDir', 'string'],
  HOST: ['host', 'string'],
  PORT: ['port', 'int'],
  TRUST_PROXY: ['trustProxy', 'trust-proxy'],
  ALLOWED_HOSTS: ['allowedHosts', 'list'],
  DOCS_ENABLED: ['docsEnabled', 'bool'],
  DEMO_ENABLED: ['demoEnabled', 'bool'],
  USERNAME_ALLOW_MIXED_SCRIPTS: ['usernameAllowMixedScripts', 'bool'],
  BODY_LIMIT: ['bodyLimit', 'int'],
  MULTIPART_MAX_FIELDS: ['multipart.maxFields', 'int'],
  MULTIPART_MAX_FIELD_SIZE: ['multipart.maxFieldSize', 'int'],
  APPEND_SLASH: ['appendSlash', 'bool'],
  LOG_LEVEL: ['logLevel', 'string'],
  ACCESS_LOG: ['accessLog', 'bool'],
  REGISTRATION_ENABLED: ['registrationEnabled', 'bool'],
  SIMPLEJWT_COMPAT: ['simplejwtCompat', 'bool'],
  USER_CACHE_TTL: ['userCacheTtl', 'duration'],
  LANGUAGE_CODE: ['languageCode', 'string'],
  LOCALE_MIDDLEWARE: ['localeMiddleware', 'bool'],
  JWT_ALGORITHM: ['tokens.algorithm', 'string'],
  SECRET_KEY: ['tokens.secretKey', 'string'],
  SECRET_KEY_FALLBACKS: ['tokens.secretKeyFallbacks', 'list'],
  ACCESS_TOKEN_LIFETIME: ['tokens.accessLifetime', 'duration'],
  REFRESH_TOKEN_LIFETIME: ['tokens.refreshLifetime', 'duration'],
  ROTATE_REFRESH_TOKENS: ['tokens.rotate', 'bool'],
  REFRESH_REUSE_GRACE: ['tokens.reuseGrace', 'duration'],
  MAX_SESSIONS_PER_USER: ['tokens.maxSessionsPerUser', 'int'],
  JWT_ISSUER: ['tokens.issuer', 'string'],
  JWT_AUDIENCE: ['tokens.audience', 'string'],
  JWT_LEEWAY: ['tokens.leeway', 'duration'],
  AUTH_COOKIE_DOMAIN: ['cookies.domain', 'string'],
  AUTH_COOKIE_SECURE: ['cookies.secure', 'bool'],
  AUTH_COOKIE_SAMESITE: ['cookies.sameSite', 'string'],
  AUTH_COOKIE_ACCESS: ['cookies.access.name', 'string'],
  AUTH_COOKIE_PATH: ['cookies.access.path', 'string'],
  AUTH_COOKIE_REFRESH: ['cookies.refresh.name', 'string'],
  AUTH_COOKIE_REFRESH_PATH: ['cookies.refresh.path', 'string'],
  CSRF_COOKIE_NAME: ['cookies.csrf.name', 'string'],
  CSRF_COOKIE_PATH: ['cookies.csrf.path', 'string'],
  CSRF_COOKIE_DOMAIN: ['cookies.csrf.domain', 'string'],
  CSRF_COOKIE_SECURE: ['cookies.csrf.secure', 'bool'],
  CSRF_COOKIE_SAMESITE: ['cookies.csrf.sameSite', 'string'],
  CSRF_COOKIE_AGE: ['cookies.csrf.maxAge', 'duration'],
  CSRF_TRUSTED_ORIGINS: ['csrf.trustedOrigins', 'list'],
  CSRF_HEADER_NAME: ['csrf.headerName', 'string'],
  CSRF_TOKEN_RESPONSE_KEY: ['csrf.tokenResponseKey', 'string'],
  ROUTE_PROFILE: ['routes.profile', 'string'],
  LOGOUT_ON_GET: ['routes.logoutOnGet', 'bool'],
  ...routeVariables(),
  CORS_ALLOWED_ORIGINS: ['cors.allowedOrigins', 'list'],
  CORS_ALLOW_HEADERS: ['cors.allowHeaders', 'list'],
  CORS_ALLOW_ALL_ORIGINS: ['cors.allowAllOrigins', 'bool'],
  ARGON2_MEMORY_COST: ['passwords.memoryCost', 'int'],
  ARGON2_TIME_COST: ['passwords.timeCost', 'int'],
  ARGON2_PARALLELISM: ['passwords.parallelism', 'int'],
  ARGON2_MAX_CONCURRENCY: ['passwords.maxConcurrency', 'int'],
  LEGACY_HASH_CONCURRENCY: ['passwords.legacyConcurrency', 'int'],
  LEGACY_HASH_QUEUE: ['passwords.legacyQueue', 'int'],
  RATE_LIMIT_ENABLED: ['rateLimit.enabled', 'bool'],
  RATE_LIMIT_PAIR_FREE_ATTEMPTS: ['rateLimit.pairFreeAttempts', 'int'],
  RATE_LIMIT_PAIR_MAX_DELAY: ['rateLimit.pairMaxDelay', 'duration'],
  RATE_LIMIT_USER_FREE_ATTEMPTS: ['rateLimit.userFreeAttempts', 'int'],
  RATE_LIMIT_USER_MAX_DELAY: ['rateLimit.userMaxDelay', 'duration'],
  RATE_LIMIT_IP_PER_MINUTE: ['rateLimit.ipPerMinute', 'int'],
  RATE_LIMIT_IPV4_SUBNET_PER_MINUTE: ['rateLimit.ipv4SubnetPerMinute', 'int'],
  RATE_LIMIT_IPV6_SUBNET_PER_MINUTE: ['rateLimit.ipv6SubnetPerMinute', 'int'],
  RATE_LIMIT_GLOBAL_FAILURES_PER_MINUTE: ['rateLimit.globalFailuresPerMinute', 'int'],
  RATE_LIMIT_GLOBAL_DELAY: ['rateLimit.globalDelay', 'duration'],
  RATE_LIMIT_EMAIL_PER_HOUR: ['email.perAddressPerHour', 'int'],
  EMAIL_URL: ['email.url', 'string'],
  EMAIL_FROM: ['email.from', 'string'],
  EMAIL_TEMPLATES_DIR: ['email.templatesDir', 'string'],
  EMAIL_TIMEOUT: ['email.timeout', 'duration'],
  EMAIL_MAX_ATTEMPTS: ['email.maxAttempts', 'int'],
  EMAIL_RETRY_DELAY: ['email.retryDelay', 'duration'],
  EMAIL_RETRY_MAX_DELAY: ['email.retryMaxDelay', 'duration'],
  EMAIL_POLL_INTERVAL: ['email.pollInterval', 'duration'],
  SITE_NAME: ['accounts.siteName', 'string'],
  SITE_URL: ['accounts.siteUrl', 'string'],
  PASSWORD_RESET_URL: ['accounts.passwordResetUrl', 'string'],
  PASSWORD_RESET_TIMEOUT: ['accounts.passwordResetTimeout', 'duration'],
  EMAIL_VERIFICATION: ['accounts.emailVerification', 'string'],
  EMAIL_VERIFICATION_URL: ['accounts.emailVerificationUrl', 'string'],
  EMAIL_CONFIRMATION_EXPIRE_DAYS: ['accounts.emailConfirmationExpireDays', 'int'],
  REAUTH_WINDOW: ['accounts.reauthWindow', 'duration'],
  TOTP_ISSUER: ['mfa.issuer', 'string'],
  MFA_PENDING_LIFETIME: ['mfa.pendingLifetime', 'duration'],
  MFA_PENDING_MAX_ATTEMPTS: ['mfa.pendingMaxAttempts', 'int'],
  WEBAUTHN_RP_ID: ['mfa.webauthnRpId', 'string'],
  WEBAUTHN_ORIGIN: ['mfa.webauthnOrigin', 'list'],
  WEBAUTHN_RP_NAME: ['mfa.webauthnRpName', 'string'],
  WEBAUTHN_CHALLENGE_LIFETIME: ['mfa.webauthnChallengeLifetime', 'duration'],
  WEBAUTHN_MAX_CREDENTIALS: ['mfa.webauthnMaxCredentials', 'int'],
  DATABASE_URL: ['database.url', 'string'],
  DB_POOL_SIZE: ['database.poolSize', 'int'],
  DB_CONNECT_TIMEOUT: ['database.connectTimeout', 'duration'],
  DB_TIMEOUT: ['database.timeout', 'duration'],
  REDIS_URL: ['scale.redisUrl', 'string'],
  REDIS_PREFIX: ['scale.redisPrefix', 'string'],
  REDIS_TIMEOUT: ['scale.redisTimeout', 'duration'],
  CATCHUP_INTERVAL: ['scale.catchupInterval', 'duration'],
  FLUSH_EXPIRED_EVERY: ['scale.flushExpiredEvery', 'duration-or-off'],
  READY_REQUIRES_REDIS: ['scale.readyRequiresRedis', 'bool'],
  METRICS_TOKEN: ['scale.metricsToken', 'string'],
} as const satisfies Record<string, readonly [string, Kind]>

/** The environment variable behind each option path. */
export const VARIABLE_OF: ReadonlyMap<string, string> = new Map(Object.entries(ENV_VARIABLES).map(([name, [path]]) => [path, name]))

/**
 * What an options object took from the environment (option path → value), so a validation message can
 * name the variable to change. A symbol key survives `{ ...optionsFromEnv(env), prefix: '/auth' }`;
 * a value that code replaced since is no longer the variable's.
 */
export const ENV_SOURCE: unique symbol = Symbol('tessera.envSource')

export type EnvOptions = TesseraOptions & { [ENV_SOURCE]?: ReadonlyMap<string, unknown> }

/** How a message names an option: its path, and the environment variable when it came from one. */
export function optionName(path: string, options: EnvOptions): string {
  const variable = VARIABLE_OF.get(path)
  const fromEnv = options[ENV_SOURCE]
  if (!variable || !fromEnv) return path
  const value = valueAt(options, path)
  // For an option left at its default in env-driven options, the variable is still the way to set it.
  return value === undefined || (fromEnv.has(path) && fromEnv.get(path) === value) ? `${path} (${variable})` : path
}

function valueAt(options: object, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], options)
}

function read(kind: Kind, label: string, raw: string): unknown {
  switch (kind) {
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true
      if (/^(0|false|no|off)$/i.test(raw)) return false
      throw invalid(label, 'true or false', raw)
    case 'int':
      if (!/^\d+$/.test(raw)) throw invalid(label, 'a whole number', raw)
      return Number(raw)
    case 'list':
      return raw.split(/[\s,]+/).filter(Boolean)
    case 'trust-proxy':
      // `true`/`false`, a hop count, or the proxies' addresses and CIDRs (resolveOptions checks them).
      if (/^(1|true|yes|on)$/i.test(raw)) return true
      if (/^(0|false|no|off)$/i.test(raw)) return false
      if (/^\d+$/.test(raw)) return Number(raw)
      return raw.split(/[\s,]+/).filter(Boolean)
    case 'duration-or-off':
      return /^(0|off|false|no)$/i.test(raw) ? false : raw
    default:
      // Durations stay strings (a bare number is seconds); resolveOptions validates them.
      return raw
  }
}

/**
 * The environment adapter: reads the variables of ENV_VARIABLES (a blank value is unset) into
 * options. The only place Tessera reads the environment; the server and the CLI pass it
 * `process.env`, the plugin never looks.
 */
export function optionsFromEnv(env: Env): TesseraOptions {
  const options: Record<string, unknown> = {}
  const sources = new Map<string, unknown>()
  for (const [name, [path, kind]] of Object.entries(ENV_VARIABLES)) {
    const raw = env[name]?.trim()
    if (raw === undefined || raw === '') continue
    const keys = path.split('.')
    let group = options
    for (const key of keys.slice(0, -1)) group = (group[key] ??= {}) as Record<string, unknown>
    const value = read(kind, `${path} (${name})`, raw)
    group[keys.at(-1)!] = value
    sources.set(path, value)
  }
  return Object.assign(options, { [ENV_SOURCE]: sources }) as TesseraOptions
}
