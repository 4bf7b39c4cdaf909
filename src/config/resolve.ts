import { TesseraError } from '../errors.js'
import type { Config, CookieSettings, EmailTransportSettings, TrustProxySetting } from './config.js'
import { optionName, type EnvOptions } from './env.js'
import { DEVELOPMENT_HOSTS, isAllowedHostEntry, isProxyAddress } from './network.js'
import { ALGORITHMS, EMAIL_VERIFICATION, LOG_LEVELS, MODES, SAME_SITE, type TesseraOptions } from './options.js'
import { supportedLanguageVariant } from '../i18n/index.js'
import { resolveMfa } from './mfa.js'
import { invalid, parseDuration } from './parse.js'
import { resolveCors } from './cors.js'
import { coveringPath, resolveRoutes, ROUTE_PROFILES } from './routes.js'

const WEAK_KEYS = /^(secret|changeme|change-me|password|django-insecure-.*|test|dev.*)$/i
const resolved = new WeakSet<object>()

/** Whether `value` is a `Config` that `resolveOptions` made (and so needs no second pass). */
export const isResolved = (value: unknown): value is Config => typeof value === 'object' && value !== null && resolved.has(value)

/**
 * Fills every default and validates every setting, once; throws ERR_CONFIG_INVALID with a message that
 * names the option (and its environment variable when it came from `optionsFromEnv`). The result is
 * deeply frozen. A `Config` it returned before comes back unchanged.
 */
export function resolveOptions(options: TesseraOptions | Config = {}): Config {
  if (isResolved(options)) return options
  const o = options as EnvOptions
  const name = (path: string) => optionName(path, o)
  const fail = (message: string): never => {
    throw new TesseraError('ERR_CONFIG_INVALID', message)
  }
  const oneOf = <T extends string>(path: string, value: unknown, choices: readonly T[], fallback: T): T => {
    if (value === undefined) return fallback
    const found = choices.find((c) => typeof value === 'string' && c.toLowerCase() === value.toLowerCase())
    return found ?? fail(invalid(name(path), `one of ${choices.join(', ')}`, value).message)
  }
  const int = (path: string, value: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
    if (value === undefined) return fallback
    return Number.isInteger(value) && (value as number) >= min && (value as number) <= max ? (value as number) : fail(invalid(name(path), `an integer from ${min} to ${max}`, value).message)
  }
  const bool = (path: string, value: unknown, fallback: boolean): boolean =>
    value === undefined ? fallback : typeof value === 'boolean' ? value : fail(invalid(name(path), 'true or false', value).message)
  const text = (path: string, value: unknown, fallback: string): string =>
    value === undefined ? fallback : typeof value === 'string' && value.trim() !== '' ? value.trim() : fail(invalid(name(path), 'a non-empty string', value).message)
  const optional = (path: string, value: unknown): string | undefined => (value === undefined ? undefined : text(path, value, ''))
  const list = (path: string, value: unknown): string[] =>
    value === undefined ? [] : Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : fail(invalid(name(path), 'a list of strings', value).message)
  // Django refuses a LANGUAGE_CODE it has no language for; so does Tessera.
  const language = (code: string): string => supportedLanguageVariant(code) ?? fail(invalid(name('languageCode'), `a language code such as en-us, de, pt-br or zh-hans`, code).message)
  /** Seconds. */
  const seconds = (path: string, value: unknown, fallback: number, zero = false): number => (value === undefined ? fallback : parseDuration(name(path), value as string, { zero }))
  const millis = (path: string, value: unknown, fallback: number, min: number): number => {
    const ms = Math.round(seconds(path, value, fallback / 1000) * 1000)
    return ms >= min ? ms : fail(`${name(path)} must be at least ${min}ms (got ${ms}ms)`)
  }

  const mode = oneOf('env', o.env, MODES, 'development')
  const prefix = text('prefix', o.prefix, '/accounts').replace(/\/+$/, '')
  if (!/^\/[A-Za-z0-9/_-]*$/.test(prefix)) fail(`${name('prefix')} must be a path such as /accounts (got '${o.prefix}')`)

  const t = o.tokens ?? {}
  const secretKey = optional('tokens.secretKey', t.secretKey) ?? fail(`${name('tokens.secretKey')} is required (generate one with \`tessera genkey\`)`)
  if (mode === 'production' && (Buffer.byteLength(secretKey) < 32 || WEAK_KEYS.test(secretKey))) {
    fail(`${name('tokens.secretKey')} is too weak for production: use at least 32 random bytes (\`tessera genkey\`)`)
  }
  const accessLifetime = seconds('tokens.accessLifetime', t.accessLifetime, 15 * 60)
  const refreshLifetime = seconds('tokens.refreshLifetime', t.refreshLifetime, 30 * 86400)
  const leeway = seconds('tokens.leeway', t.leeway, 0, true)
  if (leeway > 300) fail(`${name('tokens.leeway')} must be at most 300s (got '${t.leeway}')`)

  const routeProfile = oneOf('routes.profile', o.routes?.profile, ROUTE_PROFILES, 'seed')
  const logoutOnGet = bool('routes.logoutOnGet', o.routes?.logoutOnGet, false)
  const routes = resolveRoutes({ ...o.routes, logoutOnGet }, name, fail, routeProfile)

  const c = o.cookies ?? {}
  // Production means HTTPS: plain HTTP there must be asked for (AUTH_COOKIE_SECURE=false), and the start warns.
  const secure = bool('cookies.secure', c.secure, mode === 'production')
  const sameSite = oneOf('cookies.sameSite', c.sameSite, SAME_SITE, 'Lax')
  const domain = optional('cookies.domain', c.domain)
  const cookies = {
    access: { name: text('cookies.access.name', c.access?.name, 'access_token'), path: text('cookies.access.path', c.access?.path, '/'), domain, secure, sameSite, httpOnly: true, maxAge: Math.ceil(accessLifetime) },
    // Computed from the final prefix and the route table: it covers the refresh and logout routes.
    refresh: { name: text('cookies.refresh.name', c.refresh?.name, 'refresh_token'), path: text('cookies.refresh.path', c.refresh?.path, coveringPath(prefix, routes, ['refresh', 'logout'])), domain, secure, sameSite, httpOnly: true, maxAge: Math.ceil(refreshLifetime) },
    csrf: {
      name: text('cookies.csrf.name', c.csrf?.name, 'csrftoken'),
      path: text('cookies.csrf.path', c.csrf?.path, '/'),
      domain: optional('cookies.csrf.domain', c.csrf?.domain),
      secure: bool('cookies.csrf.secure', c.csrf?.secure, secure),
      sameSite: oneOf('cookies.csrf.sameSite', c.csrf?.sameSite, SAME_SITE, 'Lax'),
      httpOnly: false,
      maxAge: Math.ceil(seconds('cookies.csrf.maxAge', c.csrf?.maxAge, 31449600)),
    },
  }
  for (const which of ['access', 'refresh', 'csrf'] as const) checkCookie(which, cookies[which], name, fail)
  const names = [cookies.access.name, cookies.refresh.name, cookies.csrf.name]
  if (new Set(names).size < 3) fail(`${name('cookies.access.name')}, ${name('cookies.refresh.name')} and ${name('cookies.csrf.name')} must be three different names`)

  const trustedOrigins = list('csrf.trustedOrigins', o.csrf?.trustedOrigins)
  for (const origin of trustedOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) fail(`${name('csrf.trustedOrigins')} entry '${origin}' must be a scheme and host such as https://app.example.com or https://*.example.com`)
  }
  const csrfHeaderName = text('csrf.headerName', o.csrf?.headerName, 'X-CSRFToken')
  const cors = resolveCors(o.cors ?? {}, csrfHeaderName, name, fail)

  const trustProxy = trustProxySetting(o.trustProxy, name('trustProxy'), fail)
  const allowedHosts = list('allowedHosts', o.allowedHosts).map((host) => host.trim().toLowerCase())
  for (const host of allowedHosts) {
    if (!isAllowedHostEntry(host)) fail(`${name('allowedHosts')} entry '${host}' must be a host name without scheme or port, such as api.example.com, .example.com (the domain and its subdomains), 127.0.0.1, [::1] or *`)
  }

  const s = o.scale ?? {}
  const redisUrl = optional('scale.redisUrl', s.redisUrl)
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/]/i.test(redisUrl)) fail(`${name('scale.redisUrl')} must be a redis:// or rediss:// URL (got '${redisUrl.replace(/\/\/[^@/]*@/, '//***@')}')`)
  const flushExpiredEvery = s.flushExpiredEvery === undefined || s.flushExpiredEvery === false ? 0 : millis('scale.flushExpiredEvery', s.flushExpiredEvery, 0, 1000)
  const p = o.passwords ?? {}
  const r = o.rateLimit ?? {}
  const d = o.database ?? {}
  const e = o.email ?? {}
  const a = o.accounts ?? {}
  const host = text('host', o.host, '127.0.0.1')
  const port = int('port', o.port, 8000, 0, 65535)
  const transport = emailTransport(optional('email.url', e.url), mode, name('email.url'), fail)
  const siteUrl = (optional('accounts.siteUrl', a.siteUrl) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(siteUrl)) fail(`${name('accounts.siteUrl')} must be an http(s) URL such as https://app.example.com (got '${siteUrl}')`)
  // A link built from the request's Host header would let anyone have a reset mailed that points at their
  // own site (Host header poisoning): in production the links come from settings only.
  if (mode === 'production' && transport.kind !== 'none' && a.siteUrl === undefined && (a.passwordResetUrl === undefined || a.emailVerificationUrl === undefined)) {
    fail(`${name('accounts.siteUrl')} is required in production when ${name('email.url')} is set: the links in mails point there`)
  }
  const link = (path: string, value: unknown, fallback: string, placeholders: string[]): string => {
    const url = text(path, value, fallback).replaceAll('<site>', siteUrl)
    for (const placeholder of placeholders) if (!url.includes(placeholder)) fail(`${name(path)} must contain ${placeholder} (got '${url}')`)
    return url
  }

  const config: Config = {
    env: mode,
    host,
    port,
    dataDir: text('dataDir', o.dataDir, './data'),
    prefix,
    trustProxy,
    allowedHosts: allowedHosts.length > 0 ? (allowedHosts.includes('*') ? ['*'] : allowedHosts) : [...DEVELOPMENT_HOSTS],
    docsEnabled: bool('docsEnabled', o.docsEnabled, mode !== 'production'),
    demoEnabled: bool('demoEnabled', o.demoEnabled, mode !== 'production'),
    usernameAllowMixedScripts: bool('usernameAllowMixedScripts', o.usernameAllowMixedScripts, false),
    bodyLimit: int('bodyLimit', o.bodyLimit, 64 * 1024, 1024),
    multipart: { maxFields: int('multipart.maxFields', o.multipart?.maxFields, 50, 1, 10_000), maxFieldSize: int('multipart.maxFieldSize', o.multipart?.maxFieldSize, 16 * 1024, 64) },
    appendSlash: bool('appendSlash', o.appendSlash, true),
    logLevel: oneOf('logLevel', o.logLevel, LOG_LEVELS, mode === 'test' ? 'silent' : 'info'),
    accessLog: bool('accessLog', o.accessLog, true),
    registrationEnabled: bool('registrationEnabled', o.registrationEnabled, true),
    simplejwtCompat: bool('simplejwtCompat', o.simplejwtCompat, false),
    userCacheTtl: seconds('userCacheTtl', o.userCacheTtl, 5),
    i18n: { languageCode: language(text('languageCode', o.languageCode, 'en-us')), localeMiddleware: bool('localeMiddleware', o.localeMiddleware, false) },
    tokens: {
      algorithm: oneOf('tokens.algorithm', t.algorithm, ALGORITHMS, 'HS256'),
      secretKey,
      secretKeyFallbacks: list('tokens.secretKeyFallbacks', t.secretKeyFallbacks),
      accessLifetime,
      refreshLifetime,
      rotate: bool('tokens.rotate', t.rotate, true),
      reuseGrace: seconds('tokens.reuseGrace', t.reuseGrace, 10),
      maxSessionsPerUser: int('tokens.maxSessionsPerUser', t.maxSessionsPerUser, 100, 1, 1_000_000),
      issuer: optional('tokens.issuer', t.issuer),
      audience: optional('tokens.audience', t.audience),
      leeway,
    },
    cookies,
    csrf: { trustedOrigins, headerName: csrfHeaderName, tokenResponseKey: text('csrf.tokenResponseKey', o.csrf?.tokenResponseKey, 'token') },
    routes,
    routeProfile,
    cors,
    passwords: {
      memoryCost: int('passwords.memoryCost', p.memoryCost, 19456, 1024, 4 * 1024 * 1024),
      timeCost: int('passwords.timeCost', p.timeCost, 2, 1, 100),
      parallelism: int('passwords.parallelism', p.parallelism, 1, 1, 16),
      // Undefined: CPUs less one (see src/passwords/semaphore.ts).
      maxConcurrency: p.maxConcurrency === undefined ? undefined : int('passwords.maxConcurrency', p.maxConcurrency, 1, 1, 256),
      // Imported (Django) hashes: checked apart, a few at a time, the excess shed with 503 (src/passwords/hasher.ts).
      legacyConcurrency: int('passwords.legacyConcurrency', p.legacyConcurrency, 1, 1, 256),
      legacyQueue: int('passwords.legacyQueue', p.legacyQueue, 4, 0, 100_000),
    },
    rateLimit: {
      enabled: bool('rateLimit.enabled', r.enabled, true),
      pairFreeAttempts: int('rateLimit.pairFreeAttempts', r.pairFreeAttempts, 5, 1),
      pairMaxDelay: seconds('rateLimit.pairMaxDelay', r.pairMaxDelay, 3600),
      userFreeAttempts: int('rateLimit.userFreeAttempts', r.userFreeAttempts, 20, 1),
      userMaxDelay: seconds('rateLimit.userMaxDelay', r.userMaxDelay, 60),
      ipPerMinute: int('rateLimit.ipPerMinute', r.ipPerMinute, 60, 1),
      ipv4SubnetPerMinute: int('rateLimit.ipv4SubnetPerMinute', r.ipv4SubnetPerMinute, 240, 1),
      ipv6SubnetPerMinute: int('rateLimit.ipv6SubnetPerMinute', r.ipv6SubnetPerMinute, 120, 1),
      globalFailuresPerMinute: int('rateLimit.globalFailuresPerMinute', r.globalFailuresPerMinute, 1000, 1),
      globalDelay: Math.round(seconds('rateLimit.globalDelay', r.globalDelay, 1, true) * 1000),
    },
    email: {
      transport,
      from: text('email.from', e.from, 'webmaster@localhost'),
      templatesDir: optional('email.templatesDir', e.templatesDir),
      timeout: millis('email.timeout', e.timeout, 30_000, 100),
      maxAttempts: int('email.maxAttempts', e.maxAttempts, 8, 1, 100),
      retryDelay: millis('email.retryDelay', e.retryDelay, 30_000, 10),
      retryMaxDelay: millis('email.retryMaxDelay', e.retryMaxDelay, 3_600_000, 10),
      pollInterval: millis('email.pollInterval', e.pollInterval, 5000, 10),
      perAddressPerHour: int('email.perAddressPerHour', e.perAddressPerHour, 5, 1),
    },
    accounts: {
      siteName: text('accounts.siteName', a.siteName, 'Tessera'),
      siteUrl,
      passwordResetUrl: link('accounts.passwordResetUrl', a.passwordResetUrl, '<site>/#/reset/{uid}/{token}', ['{uid}', '{token}']),
      passwordResetTimeout: seconds('accounts.passwordResetTimeout', a.passwordResetTimeout, 3600),
      emailVerification: oneOf('accounts.emailVerification', a.emailVerification, EMAIL_VERIFICATION, 'optional'),
      emailVerificationUrl: link('accounts.emailVerificationUrl', a.emailVerificationUrl, '<site>/#/verify-email/{key}', ['{key}']),
      emailConfirmationExpireDays: int('accounts.emailConfirmationExpireDays', a.emailConfirmationExpireDays, 3, 1, 365),
      reauthWindow: seconds('accounts.reauthWindow', a.reauthWindow, 300, true),
    },
    mfa: resolveMfa(o.mfa ?? {}, { text, optional, list, int, seconds, name, fail }, { mode, prefix, routes, siteName: text('accounts.siteName', a.siteName, 'Tessera'), cookie: { domain, secure, sameSite } }),
    database: {
      url: text('database.url', d.url, './data/tessera.sqlite3'),
      poolSize: int('database.poolSize', d.poolSize, 10, 1, 1000),
      connectTimeout: millis('database.connectTimeout', d.connectTimeout, 3000, 100),
      timeout: millis('database.timeout', d.timeout, 5000, 100),
    },
    scale: {
      redisUrl,
      redisPrefix: text('scale.redisPrefix', s.redisPrefix, 'tessera:'),
      redisTimeout: millis('scale.redisTimeout', s.redisTimeout, 500, 50),
      catchupInterval: millis('scale.catchupInterval', s.catchupInterval, 5000, 100),
      flushExpiredEvery,
      readyRequiresRedis: bool('scale.readyRequiresRedis', s.readyRequiresRedis, false),
      metricsToken: optional('scale.metricsToken', s.metricsToken),
    },
  }
  if (config.rateLimit.globalDelay > 30_000) fail(`${name('rateLimit.globalDelay')} must be at most 30s (got '${r.globalDelay}')`)
  if (config.email.retryMaxDelay < config.email.retryDelay) fail(`${name('email.retryMaxDelay')} must be at least ${name('email.retryDelay')}`)
  if (config.tokens.reuseGrace >= config.tokens.refreshLifetime) fail(`${name('tokens.reuseGrace')} must be shorter than ${name('tokens.refreshLifetime')}`)
  if (mode === 'production' && config.passwords.memoryCost < 19456) fail(`${name('passwords.memoryCost')} below 19456 KiB is refused in production (OWASP minimum)`)
  if (allowedHosts.length === 0 && mode === 'production') {
    fail(`${name('allowedHosts')} is required in production: the host names this server answers to (api.example.com,.example.com), or * for any`)
  }
  resolved.add(config)
  return deepFreeze(config)
}

/**
 * `trustProxy`: `true` is one hop (the proxy in front), never Fastify's "trust every hop", which takes the
 * leftmost `X-Forwarded-For` entry: the one a client writes itself when its proxy appends.
 */
function trustProxySetting(value: unknown, name: string, fail: (message: string) => never): TrustProxySetting {
  if (value === undefined || value === false || value === 0) return false
  if (value === true) return 1
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 && value <= 100 ? value : fail(invalid(name, 'true, false, a hop count from 0 to 100, or proxy addresses/CIDRs', value).message)
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) {
    const entries = value.map((v: string) => v.trim())
    const bad = entries.find((entry) => !isProxyAddress(entry))
    if (bad !== undefined) fail(`${name} entry '${bad}' must be an IP address, a CIDR (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`)
    return entries
  }
  return fail(invalid(name, 'true, false, a hop count, or a list of proxy addresses/CIDRs', value).message)
}

/** EMAIL_URL as the contract spells it; absent: a console in development, memory in tests, nothing in production. */
function emailTransport(url: string | undefined, mode: string, label: string, fail: (message: string) => never): EmailTransportSettings {
  if (url === undefined) return mode === 'development' ? { kind: 'console' } : mode === 'test' ? { kind: 'memory' } : { kind: 'none' }
  if (/^smtps?:\/\/[^/]/i.test(url)) {
    try {
      new URL(url)
    } catch {
      fail(`${label} is not a valid URL (got '${url.replace(/\/\/[^@/]*@/, '//***@')}')`)
    }
    return { kind: 'smtp', url }
  }
  if (url === 'console' || url === 'memory') return { kind: url }
  if (/^file:./.test(url)) return { kind: 'file', dir: url.replace(/^file:(\/\/)?/, '') }
  return fail(`${label} must be smtp://, smtps://, console, file:<dir> or memory (got '${url.replace(/\/\/[^@/]*@/, '//***@')}')`)
}

/** The option paths that set each cookie, so that a message names the one to change. */
const COOKIE_PATHS = {
  access: { name: 'cookies.access.name', path: 'cookies.access.path', domain: 'cookies.domain', secure: 'cookies.secure', sameSite: 'cookies.sameSite' },
  refresh: { name: 'cookies.refresh.name', path: 'cookies.refresh.path', domain: 'cookies.domain', secure: 'cookies.secure', sameSite: 'cookies.sameSite' },
  csrf: { name: 'cookies.csrf.name', path: 'cookies.csrf.path', domain: 'cookies.csrf.domain', secure: 'cookies.csrf.secure', sameSite: 'cookies.csrf.sameSite' },
} as const

/** Browser rules that would otherwise make a cookie silently vanish. */
function checkCookie(which: keyof typeof COOKIE_PATHS, c: CookieSettings, name: (path: string) => string, fail: (message: string) => never): void {
  const v = Object.fromEntries(Object.entries(COOKIE_PATHS[which]).map(([key, path]) => [key, name(path)])) as Record<keyof (typeof COOKIE_PATHS)['access'], string>
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
