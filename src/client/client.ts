import { AuthStateTracker } from './auth-state.js'
import { CsrfTokenSource, isCsrfFailure, isUnsafeMethod } from './csrf.js'
import { isRecord, readJson, TesseraClientError } from './errors.js'
import { createRequestScope } from './scope.js'
import { createTabLock, openTabChannel } from './tabs.js'
import { createFactors, METHODS, type MfaHelpers, type PasskeyHelpers } from './factors.js'
import { DEFAULT_ROUTES, itemPath, type AuthState, type ClientOptions, type LoginEvent, type LoginResult, type LogoutEvent, type MfaMethod, type RegisterFields, type Session, type User } from './types.js'

/** A Tessera client: see {@link createClient}. */
export interface TesseraClient {
  /**
   * `fetch` with the session: sends the cookies, adds the CSRF header on unsafe methods, and when the access
   * token has expired refreshes it (once for every tab) and retries. Resolves to the server's response,
   * whatever its status; rejects only as `fetch` does, or when the refresh itself hits a server error.
   * Only for the API's origin (that of `baseUrl`) and `allowedOrigins`: a request to any other URL is passed
   * to `fetch` untouched.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>
  /**
   * Signs in; rejects with a {@link TesseraClientError} (status 401) for a wrong username or password. For an
   * account with a second factor it resolves to `{mfaRequired: true, methods}`: finish with `mfa.verify()`.
   */
  login(username: string, password: string): Promise<LoginResult>
  /** TOTP enrolment and removal, and the second step of a login. */
  readonly mfa: MfaHelpers
  /** Passkeys: register, list, remove, and the passwordless login. */
  readonly passkeys: PasskeyHelpers
  /** Creates an account and signs it in; a 400's messages per field are in the error's `fields`. */
  register(fields: RegisterFields): Promise<User>
  /** Ends this session on the server (its refresh token is blacklisted) and tells every tab. */
  logout(): Promise<void>
  /** Ends every session of the user, or every other one with `keepCurrent`; resolves to how many ended. */
  logoutAll(options?: { keepCurrent?: boolean }): Promise<number>
  /** The signed-in user, or `null` when there is no session (after trying a refresh). */
  me(): Promise<User | null>
  /** The user's live sessions, the current one flagged. */
  sessions(): Promise<Session[]>
  /** Ends one of the user's sessions; ending this browser's own session signs every tab out. */
  revokeSession(id: string): Promise<void>
  /** Changes the password; the server ends every other session. */
  changePassword(oldPassword: string, newPassword: string): Promise<void>
  /** Gets a new access token now; `false` when the session is over. Shares a refresh already in flight. */
  refresh(): Promise<boolean>
  /** Called in every tab when any tab signs out or finds the session ended; returns an unsubscribe function. */
  onLogout(listener: (event: LogoutEvent) => void): () => void
  /** Called in every tab when any tab signs in or registers. */
  onLogin(listener: (event: LoginEvent) => void): () => void
  /** What the client last learnt about the session. */
  readonly state: AuthState
  /**
   * When the access token expires (ms since the epoch), estimated from when any tab last got a fresh access
   * cookie and `accessLifetime`; `null` without `accessLifetime` or before a login or refresh was seen.
   */
  accessExpiresAt(): number | null
  /** The URL of one of Tessera's routes: `url('user/')`. */
  url(path: string): string
}

type Renewal = 'refreshed' | 'skipped' | 'failed'

/** SimpleJWT's code for an expired or invalid access token, and Tessera's for an absent one: the browser drops
 * the access cookie when its Max-Age (the token's lifetime) runs out, so expiry usually arrives as the latter. */
const RENEWABLE = new Set(['token_not_valid', 'not_authenticated'])
const REFRESH_TIMEOUT_MS = 30_000
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' }

/**
 * Creates a client for one Tessera server.
 *
 * ```ts
 * const api = createClient({ baseUrl: '/accounts', accessLifetime: 900 })
 * await api.login('alice', 'correct horse battery')
 * const notes = await (await api.fetch('/api/notes')).json()
 * ```
 */
export function createClient(options: ClientOptions): TesseraClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
  const base = options.baseUrl.replace(/\/+$/, '')
  const here = typeof location === 'undefined' ? undefined : location.href
  if (here === undefined && !/^https?:\/\//.test(base)) throw new TypeError(`createClient: outside a browser, baseUrl must be an absolute URL (got '${options.baseUrl}')`)
  const absoluteBase = new URL(`${base}/`, here)
  const url = (path: string) => `${base}/${path.replace(/^\/+/, '')}`
  const routes = { ...DEFAULT_ROUTES, ...options.routes }
  const sameOrigin = typeof location !== 'undefined' && absoluteBase.origin === location.origin
  const scope = createRequestScope(absoluteBase.origin, options.allowedOrigins, here)
  const csrfHeader = options.csrfHeaderName ?? 'X-CSRFToken'
  const csrf = new CsrfTokenSource(url(routes.csrfToken), options.csrfTokenKey ?? 'token', options.csrfCookieName ?? 'csrftoken', sameOrigin, fetchImpl)
  const channelName = options.channelName ?? `tessera:${absoluteBase.href}`
  const channel = openTabChannel(channelName)
  const lock = createTabLock(`${channelName}:refresh`, channel)
  const state = new AuthStateTracker(channel, `${channelName}:access-fresh-at`)
  let inflight: Promise<Renewal> | null = null
  let currentSessionId: string | undefined

  async function send(input: string | URL, init: RequestInit): Promise<{ response: Response; sentAt: number }> {
    const headers = new Headers(init.headers)
    if (isUnsafeMethod(init.method ?? 'GET') && !headers.has(csrfHeader)) headers.set(csrfHeader, await csrf.token())
    const sentAt = Date.now()
    const response = await fetchImpl(input, { ...init, headers, credentials: init.credentials ?? 'include' })
    return { response, sentAt }
  }

  async function postRefresh(): Promise<Renewal> {
    // Other tabs wait on this refresh while it holds the lock: a hung connection must not block them forever.
    const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(REFRESH_TIMEOUT_MS) : undefined
    const response = await fetchImpl(url(routes.refresh), { method: 'POST', credentials: 'include', headers: { accept: 'application/json' }, ...(signal && { signal }) })
    if (response.ok) {
      state.refreshed(Date.now())
      return 'refreshed'
    }
    // 401: expired, blacklisted or replayed refresh token; 403: no refresh cookie at all.
    if (response.status === 401 || response.status === 403) {
      state.signedOut('refresh_failed')
      return 'failed'
    }
    throw new TesseraClientError(response.status, await readJson(response))
  }

  /**
   * One refresh for every tab. A request that failed while another refresh was under way (in this tab or,
   * as the lock shows, in another) only needs to be sent again: the shared cookie jar already holds the
   * new cookies. `force` refreshes regardless, for a request that failed again after such a skip.
   */
  function renew(sentAt: number, force: boolean): Promise<Renewal> {
    if (inflight) return inflight
    const renewedSince = () => (state.lastFreshAt ?? 0) > sentAt
    if (!force && renewedSince()) return Promise.resolve('skipped')
    inflight = lock((waited) => (!force && (waited || renewedSince()) ? Promise.resolve<Renewal>('skipped') : postRefresh()))
      .finally(() => {
        inflight = null
      })
    return inflight
  }

  function authFetch(input: string | URL, init?: RequestInit): Promise<Response> {
    // Another origin gets neither the CSRF secret nor the cookies, and its 401 triggers no refresh.
    if (!scope.covers(input)) return init === undefined ? fetchImpl(input) : fetchImpl(input, init)
    return sessionFetch(input, init ?? {})
  }

  async function sessionFetch(input: string | URL, init: RequestInit): Promise<Response> {
    // A streamed body cannot be sent twice, so such a request gets no retry.
    const replayable = !(typeof ReadableStream !== 'undefined' && init.body instanceof ReadableStream)
    const unsafe = isUnsafeMethod(init.method ?? 'GET')
    let csrfRetried = false
    let renewals = 0
    let refreshed = false
    for (;;) {
      const { response, sentAt } = await send(input, init)
      if (!replayable || (response.status !== 401 && response.status !== 403)) return response
      const body = await readJson(response.clone())
      if (response.status === 403) {
        // The secret rotated under us (a login in another tab): fetch a token for the new one, once.
        if (!unsafe || csrfRetried || !isCsrfFailure(response.status, body)) return response
        csrfRetried = true
        csrf.reset()
        continue
      }
      if (refreshed || renewals >= 2 || !isRecord(body) || typeof body.code !== 'string' || !RENEWABLE.has(body.code)) return response
      const outcome = await renew(sentAt, renewals > 0)
      renewals += 1
      if (outcome === 'failed') return response
      refreshed = outcome === 'refreshed'
    }
  }

  /** Calls a route and returns its JSON body; throws a TesseraClientError for any error status. */
  async function call(path: string, init: RequestInit, withSession = true): Promise<{ status: number; body: unknown }> {
    const response = withSession ? await authFetch(url(path), init) : await fetchImpl(url(path), { ...init, credentials: 'include' })
    const body = await readJson(response)
    if (!response.ok) throw new TesseraClientError(response.status, body)
    return { status: response.status, body }
  }

  // No content-type without a body: the server refuses an empty JSON body.
  const post = (body?: unknown): RequestInit =>
    body === undefined ? { method: 'POST', headers: { accept: 'application/json' } } : { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) }

  /** After a 401 or a non-CSRF 403 on a logout route there is no session left to end. */
  const alreadyOut = (error: unknown) => error instanceof TesseraClientError && (error.status === 401 || (error.status === 403 && !isCsrfFailure(error.status, error.body)))

  return {
    fetch: authFetch,
    url,
    get state() {
      return state.state
    },

    async login(username, password) {
      const { body } = await call(routes.login, post({ username, password }), false)
      csrf.reset() // login rotates the CSRF secret (its password step too)
      if (isRecord(body) && body.mfa_required === true) {
        const methods = Array.isArray(body.methods) ? body.methods.filter((m): m is MfaMethod => METHODS.includes(m as MfaMethod)) : []
        return { mfaRequired: true, methods }
      }
      state.loggedIn(Date.now())
      return { mfaRequired: false }
    },

    ...createFactors({
      call,
      post,
      routes,
      loggedIn() {
        csrf.reset()
        state.loggedIn(Date.now())
      },
    }),

    async register(fields) {
      // dj-rest-auth's profile names the password password1 and wants it twice: both shapes are sent.
      const { body } = await call(routes.register, post({ ...fields, password1: fields.password, password2: fields.password }), false)
      csrf.reset()
      state.loggedIn(Date.now())
      // dj-rest-auth's profile answers {access, refresh, user}.
      return (isRecord(body) && isRecord(body.user) ? body.user : body) as User
    },

    async logout() {
      try {
        await call(routes.logout, post())
      } catch (error) {
        if (!alreadyOut(error)) throw error
      }
      state.signedOut('logout')
    },

    async logoutAll({ keepCurrent = false } = {}) {
      const { body } = await call(routes.logoutAll, post({ keep_current: keepCurrent }))
      if (!keepCurrent) state.signedOut('logout_all')
      return isRecord(body) && typeof body.revoked === 'number' ? body.revoked : 0
    },

    async me() {
      const response = await authFetch(url(routes.user), { headers: { accept: 'application/json' } })
      const body = await readJson(response)
      if (response.status === 401) {
        state.signedOut('refresh_failed')
        return null
      }
      if (!response.ok) throw new TesseraClientError(response.status, body)
      state.confirmSignedIn()
      return body as User
    },

    async sessions() {
      const { body } = await call(routes.sessions, { headers: { accept: 'application/json' } })
      const list = Array.isArray(body) ? (body as Session[]) : []
      currentSessionId = list.find((s) => s.current)?.id
      state.confirmSignedIn()
      return list
    },

    async revokeSession(id) {
      await call(itemPath(routes.sessions, id), { method: 'DELETE' })
      if (id === currentSessionId) state.signedOut('session_revoked')
    },

    async changePassword(oldPassword, newPassword) {
      // Both profiles' shapes: dj-rest-auth's new_password1/new_password2, the contract's new_password.
      await call(routes.passwordChange, post({ old_password: oldPassword, new_password: newPassword, new_password1: newPassword, new_password2: newPassword }))
    },

    async refresh() {
      const outcome = await renew(0, true)
      return outcome !== 'failed'
    },

    onLogout: (listener) => state.onLogout(listener),
    onLogin: (listener) => state.onLogin(listener),

    accessExpiresAt() {
      const at = state.lastFreshAt
      if (options.accessLifetime === undefined || at === null || state.state === 'signed-out') return null
      return at + options.accessLifetime * 1000
    },
  }
}
