import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { AccessContext, UserInfo } from '../auth/index.js'
import { checkCsrf, checkOriginOnly, isSafeMethod } from '../csrf/index.js'
import { TesseraError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import { TokenInvalidError } from '../tokens/index.js'
import { httpError } from './errors.js'
import { csrfRequest } from './request.js'

/** Who made an authenticated request: set by `authenticate`. */
export interface RequestAuth extends AccessContext {
  /** The user, through the short-lived user cache; `authenticate` has checked that they exist and are active. */
  user: UserInfo
  /** How the access token came: the `Authorization: Bearer` header or the access cookie. */
  via: 'bearer' | 'cookie'
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `app.tessera.authenticate`; null on routes without it. */
    auth: RequestAuth | null
  }
  interface FastifyContextConfig {
    /** `false` exempts a route from the CSRF token check for cookie-authenticated unsafe requests (visible in its definition). */
    csrf?: boolean
  }
}

/** Marks a request whose CSRF decision is made, so `authenticate` does not make it twice. */
export const kCsrfDecided: unique symbol = Symbol('tessera.csrfDecided')
declare module 'fastify' {
  interface FastifyRequest {
    [kCsrfDecided]: boolean
  }
}

const NOT_PROVIDED = new TesseraError('ERR_AUTH_NOT_AUTHENTICATED', 'Authentication credentials were not provided.')
const csrfError = (reason: string) => new TesseraError('ERR_CSRF_FAILED', `CSRF Failed: ${reason}`)

/** Reads `Authorization: Bearer <jwt>`: undefined when absent or of another scheme, null when malformed. */
function bearerToken(request: FastifyRequest): string | null | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const [scheme, token, extra] = header.trim().split(/\s+/)
  if (scheme?.toLowerCase() !== 'bearer') return undefined
  return token && extra === undefined ? token : null
}

/** Whether the access cookie authenticates this request (signature, claims, revocation: no database read). */
function cookieAuthenticates(runtime: Runtime, request: FastifyRequest): boolean {
  const token = request.cookies[runtime.config.cookies.access.name]
  if (!token) return false
  try {
    runtime.auth.authenticateAccess(token)
    return true
  } catch {
    return false
  }
}

/**
 * The one CSRF rule: an unsafe request that a cookie authenticates (the access cookie, or the refresh
 * cookie, which is a credential for logout) needs Django's CSRF token, unless its route says
 * `config: { csrf: false }`. A Bearer token is no cookie: a cross-site page cannot send one.
 */
export function enforceCsrf(runtime: Runtime, request: FastifyRequest): void {
  request[kCsrfDecided] = true
  if (isSafeMethod(request.method) || request.is404 || request.routeOptions.config.csrf === false) return
  if (typeof bearerToken(request) === 'string') return
  // The refresh cookie's presence first: with it the token is needed anyway, and no access token is verified for nothing.
  if (!request.cookies[runtime.config.cookies.refresh.name] && !cookieAuthenticates(runtime, request)) return
  const result = checkCsrf(csrfRequest(request, runtime.config.cookies.csrf.name, runtime.csrfPolicy.headerName), runtime.csrfPolicy)
  if (result.ok) return
  runtime.audit('csrf_failed', { reason: result.reason, route: request.routeOptions.url, ip: request.ip })
  throw httpError(csrfError(result.reason))
}

/**
 * The plugin-level preHandler on every route of the app Tessera is registered on, host routes included,
 * whether or not they use `authenticate`. Synchronous: the hot path pays no promise turn for it.
 */
export function csrfHook(runtime: Runtime) {
  return function csrfForCookies(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    try {
      enforceCsrf(runtime, request)
    } catch (error) {
      return done(error as Error)
    }
    done()
  }
}

/**
 * Login CSRF and refresh CSRF: these routes take no CSRF token (the contract's), but a present Origin must
 * be trusted, a `null` one is refused, and `Sec-Fetch-Site: cross-site` from an untrusted origin is refused.
 */
export function originGuard(runtime: Runtime) {
  return function checkOrigin(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const parts = csrfRequest(request, runtime.config.cookies.csrf.name, runtime.csrfPolicy.headerName)
    // Without an Origin there is no browser cross-site request to stop (browsers send Origin on every
    // cross-origin POST), so Django's strict HTTPS Referer rule, meant for token-bearing requests, would
    // only lock out API clients that send neither header.
    const result = checkOriginOnly(parts.origin === undefined ? { ...parts, isSecure: false } : parts, runtime.csrfPolicy)
    if (result.ok) return done()
    runtime.audit('csrf_failed', { reason: result.reason, route: request.routeOptions.url, ip: request.ip })
    done(httpError(csrfError(result.reason)))
  }
}

/** Runs `check`, turning a TesseraError into what a hook throws. */
function orHttpError<T>(check: () => T): T {
  try {
    return check()
  } catch (error) {
    throw error instanceof TesseraError ? httpError(error) : error
  }
}

/**
 * The preHandler that protects a route: an access token from the `Authorization: Bearer` header (which
 * wins) or the access cookie, and an existing, active user; sets `request.auth`. The CSRF rule is the
 * plugin-level hook's (it runs here too for a route the hook does not cover, one registered before Tessera).
 */
export function authenticateHook(runtime: Runtime) {
  const cookieName = runtime.config.cookies.access.name
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const bearer = bearerToken(request)
    if (bearer === null) throw httpError(new TokenInvalidError('access', 'Authorization header must contain two space-delimited values'))
    const token = bearer ?? request.cookies[cookieName]
    if (!token) throw httpError(NOT_PROVIDED)
    const access = orHttpError(() => runtime.auth.authenticateAccess(token))
    if (!request[kCsrfDecided]) enforceCsrf(runtime, request)
    // In the steady state the user is in the cache: no await, so no promise turn but this function's own.
    let user = runtime.auth.cachedActiveUser(access.userId)
    if (!user) {
      try {
        user = await runtime.auth.getActiveUser(access.userId)
      } catch (error) {
        throw error instanceof TesseraError ? httpError(error) : error
      }
    }
    request.auth = { ...access, user, via: bearer ? 'bearer' : 'cookie' }
  }
}
