/**
 * The whole CSRF decision for one request, in the order of Django's `CsrfViewMiddleware.process_view`, plus
 * Fetch Metadata as an extra layer. Pure: the HTTP layer gathers the request's parts and maps a failure to
 * `403 {"detail": "CSRF Failed: <reason>"}`.
 */
import { checkOrigin, checkReferer, type TrustedOrigins } from './origin.js'
import {
  REASON_BAD_ORIGIN,
  REASON_COOKIE_INCORRECT_LENGTH,
  REASON_COOKIE_INVALID_CHARACTERS,
  REASON_CROSS_SITE,
  REASON_CSRF_TOKEN_MISSING,
  REASON_INCORRECT_LENGTH,
  REASON_INVALID_CHARACTERS,
  REASON_NO_CSRF_COOKIE,
  badTokenMessage,
} from './reasons.js'
import { checkTokenFormat, doesTokenMatch, normalizeSecret } from './token.js'

export * from './reasons.js'

/** Django's `CSRF_HEADER_NAME` default (`HTTP_X_CSRFTOKEN`), as an HTTP header name. */
export const DEFAULT_CSRF_HEADER_NAME = 'X-CSRFToken'

/** The parts of a request that the CSRF check reads. Absent headers are `undefined`, not `''`. */
export interface CsrfRequest {
  /** The HTTP method, uppercase as sent (`'POST'`); methods are case-sensitive, so `'get'` is not safe. */
  method: string
  /** Whether the request arrived over HTTPS (after any trusted proxy handling). */
  isSecure: boolean
  /** The validated request host, with the port when it is not the default (Django's `get_host()`). */
  host: string
  origin?: string
  referer?: string
  /** The `Sec-Fetch-Site` header. */
  secFetchSite?: string
  /** The raw `csrftoken` cookie value. */
  cookie?: string
  /** The value of the configured token header (`X-CSRFToken`). */
  headerToken?: string
  /** The `csrfmiddlewaretoken` form field; like Django, only read for `POST`. */
  formToken?: string
  /** The port the server sees (`request.get_port()`); defaults to the port in `host`, else 443 or 80. */
  serverPort?: string
}

/** Site-wide CSRF settings. */
export interface CsrfPolicy {
  /** From {@link parseTrustedOrigins}. */
  trusted: TrustedOrigins
  /** The header carrying the token, {@link DEFAULT_CSRF_HEADER_NAME} by default; also names it in reasons. */
  headerName: string
  /** `CSRF_COOKIE_DOMAIN`, which Django lets stand in for the host in the Referer check. */
  cookieDomain?: string
}

/** Outcome of {@link checkOriginOnly}. */
export type OriginCheckResult = { ok: true } | { ok: false; reason: string }

/** Outcome of {@link checkCsrf}; on success `secret` is the unmasked cookie secret (`''` if there is none). */
export type CsrfCheckResult = { ok: true; secret: string } | { ok: false; reason: string }

// RFC 9110 safe methods, the list Django exempts ("Assume that anything not defined as 'safe' by RFC7231 needs
// protection").
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/** True for GET, HEAD, OPTIONS and TRACE, which never need a CSRF token. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method)
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason }
}

function serverPortOf(req: CsrfRequest): string {
  if (req.serverPort !== undefined) return req.serverPort
  const match = /:(\d+)$/.exec(req.host)
  return match?.[1] ?? (req.isSecure ? '443' : '80')
}

/**
 * The Origin/Referer layer (Django's process_view step 5) preceded by Fetch Metadata. Used alone for login and
 * refresh, which have no CSRF cookie yet but still must refuse cross-site posts (login CSRF).
 *
 * 1. `Sec-Fetch-Site: cross-site` is refused unless the Origin is our own or trusted. `same-origin` or `none`
 *    is never a reason to skip a later check: the header is only a hint from the browser.
 * 2. An Origin header must verify ({@link checkOrigin}); `Origin: null` fails.
 * 3. Without Origin, an HTTPS request must carry a good Referer ({@link checkReferer}).
 */
export function checkOriginOnly(req: CsrfRequest, policy: CsrfPolicy): OriginCheckResult {
  const ctx = { requestOrigin: `${req.isSecure ? 'https' : 'http'}://${req.host}`, trusted: policy.trusted }

  if (req.secFetchSite !== undefined && req.secFetchSite.trim().toLowerCase() === 'cross-site') {
    if (req.origin === undefined || !checkOrigin(req.origin, ctx)) return fail(REASON_CROSS_SITE)
  }

  if (req.origin !== undefined) {
    return checkOrigin(req.origin, ctx) ? { ok: true } : fail(REASON_BAD_ORIGIN(req.origin))
  }

  if (req.isSecure) {
    // Django only checks the Referer over HTTPS: over plain HTTP a network attacker can forge it anyway, and
    // without TLS many browsers and proxies strip it.
    const reason = checkReferer(req.referer, {
      host: req.host,
      trusted: policy.trusted,
      cookieDomain: policy.cookieDomain,
      serverPort: serverPortOf(req),
    })
    if (reason !== null) return fail(reason)
  }
  return { ok: true }
}

/**
 * The full check of Django's `process_view` for one request:
 *
 * 1. Safe methods pass (with the cookie's secret when it is well formed, else `''`).
 * 2. {@link checkOriginOnly}.
 * 3. The cookie must exist (this also stops login CSRF) and be well formed; a legacy 64-character masked
 *    cookie is unmasked.
 * 4. The request token is read from the form field (POST only), else from the header; it must be well formed
 *    and match the secret. Both 32-character bare and 64-character masked tokens are accepted.
 *
 * Returns the bare reason; the caller adds the `CSRF Failed: ` prefix.
 */
export function checkCsrf(req: CsrfRequest, policy: CsrfPolicy): CsrfCheckResult {
  // Tessera treats an empty cookie (`csrftoken=`, what a deleted cookie looks like) as no cookie; Django would
  // report "incorrect length" for it.
  const cookie = req.cookie ?? ''
  const cookieFormat = cookie === '' ? undefined : checkTokenFormat(cookie)

  if (isSafeMethod(req.method)) {
    // Django's process_request: a malformed cookie is ignored here and replaced on the response.
    return { ok: true, secret: cookieFormat === 'ok' ? normalizeSecret(cookie) : '' }
  }

  const origin = checkOriginOnly(req, policy)
  if (!origin.ok) return origin

  if (cookieFormat === undefined) return fail(REASON_NO_CSRF_COOKIE)
  if (cookieFormat === 'length') return fail(REASON_COOKIE_INCORRECT_LENGTH)
  if (cookieFormat === 'characters') return fail(REASON_COOKIE_INVALID_CHARACTERS)
  const secret = normalizeSecret(cookie)

  // Django reads request.POST only for POST, and an empty form field falls back to the header. A header that is
  // present but empty is not "missing": Django reports its incorrect length.
  let token: string
  let source: string
  if (req.method === 'POST' && req.formToken !== undefined && req.formToken !== '') {
    token = req.formToken
    source = 'POST'
  } else if (req.headerToken !== undefined) {
    token = req.headerToken
    source = policy.headerName
  } else {
    return fail(REASON_CSRF_TOKEN_MISSING)
  }

  const tokenFormat = checkTokenFormat(token)
  if (tokenFormat === 'length') return fail(badTokenMessage(REASON_INCORRECT_LENGTH, source))
  if (tokenFormat === 'characters') return fail(badTokenMessage(REASON_INVALID_CHARACTERS, source))
  if (!doesTokenMatch(token, secret)) return fail(badTokenMessage('incorrect', source))
  return { ok: true, secret }
}
