/** What `GET <prefix>/user/` returns. */
export interface User {
  id: number
  username: string
  first_name: string
  last_name: string
}

/** One of the user's live sessions (`GET <prefix>/sessions/`): a login on one device. */
export interface Session {
  id: string
  /** ISO 8601. */
  created: string
  /** ISO 8601: the last login or refresh of this session. */
  last_used: string
  user_agent: string
  ip: string
  /** True for the session this browser is using. */
  current: boolean
}

/** A second factor a login can be completed with. */
export type MfaMethod = 'totp' | 'recovery_code' | 'webauthn'

/** What `login()` resolves to: signed in, or (an account with a second factor) waiting for `mfa.verify()`. */
export type LoginResult = { mfaRequired: false } | { mfaRequired: true; methods: MfaMethod[] }

/** What `mfa.verify()` takes. */
export type SecondFactorProof = { code: string } | { recovery_code: string } | { webauthn: true }

/** What `mfa.setupTotp()` resolves to: show `qr_svg` (SVG markup from the server) or `secret` to the user. */
export interface TotpSetup {
  secret: string
  otpauth_url: string
  qr_svg: string
}

/** One of the user's passkeys (`GET <prefix>/auth/webauthn/credentials/`). */
export interface Passkey {
  id: string
  name: string
  /** ISO 8601. */
  created: string
  /** ISO 8601, or null before its first use. */
  last_used?: string | null
}

/** The fields `register()` sends; only `username` and `password` are required by the server. */
export interface RegisterFields {
  username: string
  password: string
  email?: string
  first_name?: string
  last_name?: string
}

/**
 * Why the client considers the user signed out:
 * - `logout`: a tab called `logout()`;
 * - `logout_all`: a tab called `logoutAll()` without `keepCurrent`;
 * - `session_revoked`: a tab revoked the session this browser uses;
 * - `refresh_failed`: the refresh cookie was missing, expired, blacklisted or replayed (the session was
 *   revoked elsewhere, or it simply ran out).
 */
export type LogoutReason = 'logout' | 'logout_all' | 'session_revoked' | 'refresh_failed'

export interface LogoutEvent {
  reason: LogoutReason
  /** True when another tab noticed first and told this one. */
  fromOtherTab: boolean
}

export interface LoginEvent {
  /** True when the login (or registration) happened in another tab. */
  fromOtherTab: boolean
}

/** What the client knows: `unknown` until a call shows it (page load, before `me()`). */
export type AuthState = 'unknown' | 'signed-in' | 'signed-out'

export interface ClientOptions {
  /**
   * The URL of Tessera's routes, the server's `API_PREFIX`: `'/accounts'` on the same origin, or
   * `'https://api.example.com/accounts'` for an API on another origin (which must list this page's origin in
   * `CORS_ALLOWED_ORIGINS` and `CSRF_TRUSTED_ORIGINS`).
   */
  baseUrl: string
  /**
   * The server's `ACCESS_TOKEN_LIFETIME` in seconds. The access cookie is HttpOnly, so the page cannot read the
   * token's `exp`; with this, `accessExpiresAt()` estimates it from when the client last got a fresh cookie.
   */
  accessLifetime?: number
  /** Default `csrftoken` (the server's `CSRF_COOKIE_NAME`). */
  csrfCookieName?: string
  /** Default `X-CSRFToken` (the server's `CSRF_HEADER_NAME`). */
  csrfHeaderName?: string
  /**
   * Origins besides `baseUrl`'s whose requests `fetch()` treats as the API's (cookies, CSRF header, refresh and
   * retry): `['https://api.example.com']` for your own routes on another origin than Tessera's. Every other URL
   * is passed through untouched, so that the CSRF token never reaches a third party. Default none.
   */
  allowedOrigins?: readonly string[]
  /**
   * Where the routes are under `baseUrl`, when the server moved them (`ROUTE_PROFILE`, `ROUTE_<NAME>`): for
   * `ROUTE_PROFILE=simplejwt`, `{ login: 'token/', refresh: 'token/refresh/', logout: 'token/blacklist/' }`.
   * The demo page passes the server's whole table. Default: the contract's part 1 (`auth/login/`, ...).
   */
  routes?: Partial<ClientRoutes>
  /** Default `token` (the server's `CSRF_TOKEN_RESPONSE_KEY`): the key of the CSRF route's answer. */
  csrfTokenKey?: string
  /** The fetch to wrap; default the global one. */
  fetch?: typeof fetch
  /**
   * Names the lock and the channel that tabs coordinate through; default derived from `baseUrl`. Clients of the
   * same server in several tabs must share it, and clients of different servers must not.
   */
  channelName?: string
}

/** The routes the client calls, as paths under `baseUrl` (the server's route names). */
export interface ClientRoutes {
  login: string
  refresh: string
  logout: string
  logoutAll: string
  user: string
  sessions: string
  csrfToken: string
  register: string
  passwordChange: string
  mfaTotp: string
  mfaTotpActivate: string
  mfaVerify: string
  webauthnRegisterOptions: string
  webauthnRegister: string
  webauthnCredentials: string
  webauthnLoginOptions: string
  webauthnLogin: string
}

/** One item under a list route (`sessions/` + `abc` → `sessions/abc/`), whether or not the list's path ends in a slash. */
export const itemPath = (list: string, id: string): string => `${list.replace(/\/?$/, '/')}${encodeURIComponent(id)}/`

/** The contract's part 1 (`ROUTE_PROFILE=seed`, the server's default). */
export const DEFAULT_ROUTES: Readonly<ClientRoutes> = {
  login: 'auth/login/',
  refresh: 'auth/refresh_token/',
  logout: 'auth/logout/',
  logoutAll: 'auth/logout_all/',
  user: 'user/',
  sessions: 'sessions/',
  csrfToken: 'csrf_token/',
  register: 'auth/register/',
  passwordChange: 'auth/password/change/',
  mfaTotp: 'auth/mfa/totp/',
  mfaTotpActivate: 'auth/mfa/totp/activate/',
  mfaVerify: 'auth/mfa/verify/',
  webauthnRegisterOptions: 'auth/webauthn/register/options/',
  webauthnRegister: 'auth/webauthn/register/',
  webauthnCredentials: 'auth/webauthn/credentials/',
  webauthnLoginOptions: 'auth/webauthn/login/options/',
  webauthnLogin: 'auth/webauthn/login/',
}
