/**
 * What a host passes to `register(tessera, options)` (and what `optionsFromEnv` builds from the
 * environment): every setting optional, grouped as the resolved `Config` is, one name per setting.
 * `resolveOptions()` fills the defaults and validates everything once.
 *
 * One rule for time: every duration is a string with its unit (`'900ms'`, `'15m'`, `'30d'`).
 */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w'
/** A duration with its unit: `'500ms'`, `'15m'`, `'1.5s'`, `'30d'`. */
export type Duration = `${number}${DurationUnit}`

export const ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA'] as const
export type Algorithm = (typeof ALGORITHMS)[number]
export const SAME_SITE = ['Lax', 'Strict', 'None'] as const
export type SameSite = (typeof SAME_SITE)[number]
export const MODES = ['development', 'production', 'test'] as const
export type Mode = (typeof MODES)[number]
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export const EMAIL_VERIFICATION = ['none', 'optional', 'mandatory'] as const
export type EmailVerification = (typeof EMAIL_VERIFICATION)[number]

export type { RouteOptions, RouteProfile } from './routes.js'
import type { RouteOptions } from './routes.js'

export interface CookieOptions {
  name?: string
  path?: string
}

export interface TesseraOptions {
  /** `production` refuses weak keys and unsafe settings. Default `development`. */
  env?: Mode
  /** Where Tessera's routes live; the refresh cookie's path follows it. Default `/accounts`. */
  prefix?: string
  /** Where the development key is kept (`loadOptions`). Default `./data`. */
  dataDir?: string
  /** The ready server's address (`tessera serve`); the plugin ignores them. */
  host?: string
  port?: number
  /**
   * Which `X-Forwarded-*` to believe (`tessera serve`; a host app sets its own Fastify `trustProxy`). A hop
   * count (`1`: the proxy in front of this server), or the proxies' addresses and CIDRs (`'10.0.0.0/8'`,
   * `'loopback'`); the client is the rightmost address that is not a trusted proxy. `true` means `1`, never
   * "trust everything" (which would let a client pick its own address). Default `false`.
   */
  trustProxy?: boolean | number | readonly string[]
  /**
   * Django's ALLOWED_HOSTS: the host names this server answers to (`api.example.com`, `.example.com` for a
   * domain and its subdomains, `*` for any); any other `Host` is a 400. Required in production; default
   * outside it `.localhost`, `127.0.0.1`, `[::1]` (Django's with DEBUG).
   */
  allowedHosts?: readonly string[]
  /** Swagger UI at `/docs` (`tessera serve`). Default: on, off in production. */
  docsEnabled?: boolean
  /** The demo page at `/` (`tessera serve`). Default: on, off in production. */
  demoEnabled?: boolean
  /** Accept new usernames that mix scripts (Cyrillic `а` in `аlice`). Default false: refused. */
  usernameAllowMixedScripts?: boolean
  /** Request body limit in bytes. Default 65536. */
  bodyLimit?: number
  /** `multipart/form-data` bodies (DRF's MultiPartParser): fields only, no files. */
  multipart?: {
    /** Fields one body may have. Default 50. */
    maxFields?: number
    /** Bytes one field's value may have. Default 16384. */
    maxFieldSize?: number
  }
  /** Django's APPEND_SLASH: a GET or HEAD to a route without its trailing slash is redirected (301). Default true. */
  appendSlash?: boolean
  logLevel?: LogLevel
  /** One info line per request after its response (method, route, status, duration, request id, user id). Default true. */
  accessLog?: boolean
  /** The register route. Default true. */
  registrationEnabled?: boolean
  /** Also accept access tokens issued by SimpleJWT (no session id, no `kid`) while migrating from Django. */
  simplejwtCompat?: boolean
  /** How long a user row is cached for authenticated requests. Default `'5s'`. */
  userCacheTtl?: Duration
  /** The language of Django's, DRF's and SimpleJWT's messages: `LANGUAGE_CODE` (default `en-us`). */
  languageCode?: string
  /** `LOCALE_MIDDLEWARE`: choose the language per request from `Accept-Language` (and the `django_language` cookie), as Django's LocaleMiddleware. */
  localeMiddleware?: boolean
  tokens?: {
    algorithm?: Algorithm
    /** The HMAC secret (SimpleJWT's SIGNING_KEY); required, at least 32 bytes in production. */
    secretKey?: string
    /** Former secrets that still verify (Django 4.1's SECRET_KEY_FALLBACKS). */
    secretKeyFallbacks?: readonly string[]
    accessLifetime?: Duration
    refreshLifetime?: Duration
    rotate?: boolean
    /**
     * How long a replay of the immediate parent gets the same successor, for sessions that predate client
     * binding (from the same User-Agent); a bound session's own client gets it for as long as it is unused.
     */
    reuseGrace?: Duration
    /** Live sessions one user may have; a login beyond it revokes the oldest. Default 100. */
    maxSessionsPerUser?: number
    issuer?: string
    audience?: string
    /** Clock skew tolerated on `exp`/`nbf`, at most `'300s'`. */
    leeway?: Duration
  }
  cookies?: {
    /** `Domain`, `Secure` and `SameSite` of the access and refresh cookies (`Secure` is also the CSRF cookie's default). */
    domain?: string
    secure?: boolean
    sameSite?: SameSite
    access?: CookieOptions
    /** Its path defaults to the deepest path over the refresh and logout routes (`<prefix>/auth/` in `seed`). */
    refresh?: CookieOptions
    csrf?: CookieOptions & { domain?: string; secure?: boolean; sameSite?: SameSite; maxAge?: Duration }
  }
  csrf?: {
    /** Origins allowed to make unsafe requests: `https://app.example.com`, `https://*.example.com`. */
    trustedOrigins?: readonly string[]
    headerName?: string
    /** The key of the CSRF-token route's answer (`CSRF_TOKEN_RESPONSE_KEY`, default `token`; many front ends read `csrfToken`). */
    tokenResponseKey?: string
  }
  /** Where each route is: a profile of Django-world layouts, and per-route paths and methods. */
  routes?: RouteOptions
  cors?: {
    /** Origins that get CORS with credentials (django-cors-headers' CORS_ALLOWED_ORIGINS). */
    allowedOrigins?: readonly string[]
    /** Request headers a cross-origin front end may send. Default django-cors-headers' list; the CSRF header is always added. */
    allowHeaders?: readonly string[]
    /** django-cors-headers' CORS_ALLOW_ALL_ORIGINS: only `false` is accepted (credentials rule out `*`). */
    allowAllOrigins?: boolean
  }
  passwords?: { memoryCost?: number; timeCost?: number; parallelism?: number; maxConcurrency?: number; legacyConcurrency?: number; legacyQueue?: number }
  rateLimit?: {
    enabled?: boolean
    pairFreeAttempts?: number
    pairMaxDelay?: Duration
    userFreeAttempts?: number
    userMaxDelay?: Duration
    ipPerMinute?: number
    /** Failed logins per minute of one IPv4 /24 and of one IPv6 /64. */
    ipv4SubnetPerMinute?: number
    ipv6SubnetPerMinute?: number
    /** Failed logins per minute on the whole server before every login is slowed by `globalDelay`. */
    globalFailuresPerMinute?: number
    globalDelay?: Duration
  }
  email?: {
    /** `smtp://user:pass@host:port`, `smtps://...`, `console`, `file:<dir>` or `memory`. Default: `console` in development, `memory` in test, none in production. */
    url?: string
    /** The sender (Django's DEFAULT_FROM_EMAIL). Default `webmaster@localhost`. */
    from?: string
    /** A directory whose `<kind>.subject.txt`, `<kind>.txt` and `<kind>.html` replace the built-in templates. */
    templatesDir?: string
    /** How long the mail server may take to connect, greet or answer. Default `'30s'`. */
    timeout?: Duration
    /** Attempts before a message is marked dead. Default 8. */
    maxAttempts?: number
    /** The wait after the first failure, doubled after each further one, up to `retryMaxDelay`. */
    retryDelay?: Duration
    retryMaxDelay?: Duration
    /** How often the sender looks at the outbox (it is also woken when this instance queues mail). */
    pollInterval?: Duration
    /** Password-reset and confirmation mails one address (known or not) may be sent per hour (off with `rateLimit.enabled`). Default 5. */
    perAddressPerHour?: number
  }
  accounts?: {
    /** The name mails are signed with. Default `Tessera`. */
    siteName?: string
    /** Where the front end lives: `<site>` in the link templates. Default `http://<host>:<port>`. */
    siteUrl?: string
    /** With `{uid}` and `{token}`. Default `<site>/#/reset/{uid}/{token}`. */
    passwordResetUrl?: string
    /** Django's PASSWORD_RESET_TIMEOUT. Default `'3600s'`. */
    passwordResetTimeout?: Duration
    /** django-allauth's ACCOUNT_EMAIL_VERIFICATION. Default `optional`. */
    emailVerification?: EmailVerification
    /** With `{key}`. Default `<site>/#/verify-email/{key}`. */
    emailVerificationUrl?: string
    /** django-allauth's ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS. Default 3. */
    emailConfirmationExpireDays?: number
    /** How long after a password login the sensitive actions need no password again. Default `'5m'`. */
    reauthWindow?: Duration
  }
  mfa?: {
    /** The issuer shown by authenticator apps. Default: `accounts.siteName`. */
    issuer?: string
    /** How long the password step waits for the second factor. Default `'5m'`. */
    pendingLifetime?: Duration
    /** Wrong codes one pending login may send before it ends (off with `rateLimit.enabled`). Default 5. */
    pendingMaxAttempts?: number
    /** The WebAuthn relying party ID (a domain). Default: the host of `webauthnOrigin`, else of each request. */
    webauthnRpId?: string
    /** The origin(s) passkey ceremonies come from. Default: each request's own origin. */
    webauthnOrigin?: string | string[]
    /** The name browsers show for the relying party. Default: `accounts.siteName`. */
    webauthnRpName?: string
    /** How long a WebAuthn challenge may be answered in. Default `'5m'`. */
    webauthnChallengeLifetime?: Duration
    /** Passkeys one account may register. Default 20. */
    webauthnMaxCredentials?: number
  }
  database?: {
    /** A file path or `sqlite:` URL (SQLite), or `postgres://...`. Default `./data/tessera.sqlite3`. */
    url?: string
    poolSize?: number
    connectTimeout?: Duration
    timeout?: Duration
  }
  scale?: {
    redisUrl?: string
    redisPrefix?: string
    redisTimeout?: Duration
    catchupInterval?: Duration
    /** `flushexpiredtokens` inside the server this often; `false` (default): never. */
    flushExpiredEvery?: Duration | false
    readyRequiresRedis?: boolean
    metricsToken?: string
  }
}
