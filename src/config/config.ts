import type { RouteProfile, RouteTable } from './routes.js'
import type { Algorithm, EmailVerification, LogLevel, Mode, SameSite } from './options.js'

/*
 * The resolved settings: what `resolveOptions()` returns, deeply frozen. The paths are those of
 * `TesseraOptions`; durations are numbers here, in the unit each field's comment names.
 */

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
  /** Live sessions per user; a login beyond it revokes the oldest. */
  maxSessionsPerUser: number
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
  /** Failed logins and refreshes, and registrations, of one IP per minute (password resets and resends too). */
  ipPerMinute: number
  /** Failed logins of one IPv4 /24, and of one IPv6 /64, per minute. */
  ipv4SubnetPerMinute: number
  ipv6SubnetPerMinute: number
  /** Failed logins on the whole server per minute; past it every login attempt waits `globalDelay` (ms). */
  globalFailuresPerMinute: number
  globalDelay: number
}

export interface CorsSettings {
  allowedOrigins: string[]
  /** Lower-cased; the CSRF header is always among them. */
  allowHeaders: string[]
}

/** Whose `X-Forwarded-*` to believe: nobody, the nearest `hops` proxies, or proxies at these addresses/CIDRs. */
export type TrustProxySetting = false | number | string[]
/** Where mail goes: `none` is production without EMAIL_URL (the email routes answer 503). */
export type EmailTransportSettings =
  | { kind: 'smtp'; url: string }
  | { kind: 'console' }
  | { kind: 'file'; dir: string }
  | { kind: 'memory' }
  | { kind: 'none' }

export interface EmailSettings {
  transport: EmailTransportSettings
  from: string
  templatesDir: string | undefined
  /** Milliseconds the mail server may take to connect, greet or answer. */
  timeout: number
  maxAttempts: number
  /** Milliseconds: the first back-off, and its cap. */
  retryDelay: number
  retryMaxDelay: number
  /** Milliseconds between looks at the outbox. */
  pollInterval: number
  /** Password-reset and confirmation mails asked for one address (known or not), per hour. */
  perAddressPerHour: number
}

export interface AccountSettings {
  siteName: string
  siteUrl: string
  /** Link templates, `<site>` already filled in. */
  passwordResetUrl: string
  /** Seconds. */
  passwordResetTimeout: number
  emailVerification: EmailVerification
  emailVerificationUrl: string
  emailConfirmationExpireDays: number
  /** Seconds. */
  reauthWindow: number
}

/** Second factors: TOTP and the login step that waits for one. */
export interface MfaSettings {
  /** The issuer an authenticator app shows next to the account name. */
  issuer: string
  /** Seconds a password step waits for its second factor (the `mfa_pending` cookie's lifetime). */
  pendingLifetime: number
  /** Wrong codes one pending login may send before it is ended (off with the rate limits). */
  pendingMaxAttempts: number
  /** The `mfa_pending` cookie: HttpOnly, over the login, verify and passkey-login routes. */
  cookie: CookieSettings
  webauthn: WebAuthnSettings
}

/** Passkeys. Without `rpId`/`origins` the relying party is the host and origin each request came to (ALLOWED_HOSTS vouches for it). */
export interface WebAuthnSettings {
  rpId: string | undefined
  /** Origins whose assertions are accepted; empty: the request's own origin. */
  origins: string[]
  rpName: string
  /** Seconds a challenge may be answered in (and the browser's timeout). */
  challengeLifetime: number
  /** Passkeys one account may register. */
  maxCredentials: number
  /** The `webauthn_challenge` cookie that binds a challenge to the client that asked for it. */
  cookie: CookieSettings
}

/** The database, the PostgreSQL pool and the bounds on how long a request may wait for it. */
export interface DatabaseSettings {
  url: string
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
  env: Mode
  host: string
  port: number
  dataDir: string
  prefix: string
  trustProxy: TrustProxySetting
  /** Lower-cased ALLOWED_HOSTS entries (`.example.com` is a wildcard); `['*']`: any host. */
  allowedHosts: string[]
  docsEnabled: boolean
  demoEnabled: boolean
  usernameAllowMixedScripts: boolean
  bodyLimit: number
  multipart: { maxFields: number; maxFieldSize: number }
  appendSlash: boolean
  logLevel: LogLevel
  accessLog: boolean
  registrationEnabled: boolean
  /** Also accept access tokens issued by SimpleJWT (no session id, no `kid`), while migrating from Django. */
  simplejwtCompat: boolean
  /** Seconds. */
  userCacheTtl: number
  /** A language with a catalogue (Django's code, lower-case), and whether requests choose their own. */
  i18n: { languageCode: string; localeMiddleware: boolean }
  tokens: TokenSettings
  cookies: { access: CookieSettings; refresh: CookieSettings; csrf: CookieSettings }
  csrf: { trustedOrigins: string[]; headerName: string; tokenResponseKey: string }
  /** The route table under the prefix (src/config/routes.ts). */
  routes: RouteTable
  routeProfile: RouteProfile
  cors: CorsSettings
  passwords: { memoryCost: number; timeCost: number; parallelism: number; maxConcurrency: number | undefined; legacyConcurrency: number; legacyQueue: number }
  rateLimit: RateLimitSettings
  email: EmailSettings
  accounts: AccountSettings
  mfa: MfaSettings
  database: DatabaseSettings
  scale: ScaleSettings
}

