import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AccessContext } from '../auth/index.js'
import { checkCsrf, checkOriginOnly, isSafeMethod } from '../csrf/index.js'
import { TesseraError } from '../errors.js'
import { TokenInvalidError } from '../tokens/index.js'
import { sendError } from './errors.js'
import { csrfRequest } from './request.js'
import type { Tessera } from './runtime.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate`: who the access token says this is. */
    auth: AccessContext | null
    /** How the access token came: the `Authorization` header or the cookie. */
    authVia: 'bearer' | 'cookie' | null
  }
  interface FastifyContextConfig {
    /** `false` exempts a route from the CSRF token check (visible in the route's definition). */
    csrf?: boolean
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

/** The Django CSRF check for a cookie-authenticated request; replies 403 and returns false on failure. */
export function enforceCsrf(tessera: Tessera, request: FastifyRequest, reply: FastifyReply): boolean {
  if (isSafeMethod(request.method) || request.routeOptions.config.csrf === false) return true
  const result = checkCsrf(csrfRequest(request, tessera.config.cookies.csrf.name, tessera.csrfPolicy.headerName), tessera.csrfPolicy)
  if (result.ok) return true
  request.log.info({ audit: 'csrf_failed', reason: result.reason, route: request.routeOptions.url }, 'csrf_failed')
  sendError(reply, csrfError(result.reason))
  return false
}

/**
 * Login CSRF and refresh CSRF: these routes take no CSRF token (the contract's), but a present Origin must
 * be trusted, a `null` one is refused, and `Sec-Fetch-Site: cross-site` from an untrusted origin is refused.
 */
export function originGuard(tessera: Tessera) {
  return async function checkOrigin(request: FastifyRequest, reply: FastifyReply) {
    const parts = csrfRequest(request, tessera.config.cookies.csrf.name, tessera.csrfPolicy.headerName)
    // Without an Origin there is no browser cross-site request to stop (browsers send Origin on every
    // cross-origin POST), so Django's strict HTTPS Referer rule, meant for token-bearing requests, would
    // only lock out API clients that send neither header.
    const result = checkOriginOnly(parts.origin === undefined ? { ...parts, isSecure: false } : parts, tessera.csrfPolicy)
    if (result.ok) return
    request.log.info({ audit: 'csrf_failed', reason: result.reason, route: request.routeOptions.url }, 'csrf_failed')
    return sendError(reply, csrfError(result.reason))
  }
}

/**
 * The hook that protects a route: an access token from the `Authorization: Bearer` header (which wins)
 * or the access cookie; for the cookie, Django's CSRF check on every unsafe method unless the route
 * says `config: { csrf: false }`.
 */
export function authenticateHook(tessera: Tessera, options: { optional?: boolean } = {}) {
  const cookieName = tessera.config.cookies.access.name
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    const bearer = bearerToken(request)
    if (bearer === null) return sendError(reply, new TokenInvalidError('access', 'Authorization header must contain two space-delimited values'))
    const token = bearer ?? request.cookies[cookieName]
    if (!token) {
      if (options.optional) return
      return sendError(reply, NOT_PROVIDED)
    }
    try {
      request.auth = tessera.auth.authenticateAccess(token)
    } catch (error) {
      if (error instanceof TesseraError) return sendError(reply, error)
      throw error
    }
    request.authVia = bearer ? 'bearer' : 'cookie'
    if (request.authVia === 'cookie' && !enforceCsrf(tessera, request, reply)) return reply
  }
}
