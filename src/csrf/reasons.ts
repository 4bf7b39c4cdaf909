/**
 * Rejection reasons, word for word as Django's `django/middleware/csrf.py` (main) writes them, so that a front end
 * or log parser written against Django sees the same text. The HTTP layer adds the "CSRF Failed: " prefix.
 */

/** The Origin header is present but is neither the request's own origin nor a trusted one. */
export const REASON_BAD_ORIGIN = (origin: string): string =>
  `Origin checking failed - ${origin} does not match any trusted origins.`

/** HTTPS request with neither Origin nor Referer. */
export const REASON_NO_REFERER = 'Referer checking failed - no Referer.'

/** The Referer's host is neither trusted, the cookie domain, nor the request's host. */
export const REASON_BAD_REFERER = (referer: string): string =>
  `Referer checking failed - ${referer} does not match any trusted origins.`

/** No `csrftoken` cookie: Django insists on one for every unsafe request, which also stops login CSRF. */
export const REASON_NO_CSRF_COOKIE = 'CSRF cookie not set.'

/** Neither the form field nor the header carries a token. */
export const REASON_CSRF_TOKEN_MISSING = 'CSRF token missing.'

/** The Referer cannot be parsed or lacks a scheme or host. */
export const REASON_MALFORMED_REFERER = 'Referer checking failed - Referer is malformed.'

/** An http:// Referer on an https:// request. */
export const REASON_INSECURE_REFERER = 'Referer checking failed - Referer is insecure while host is secure.'

/** Django's subject-less phrases, shared by the cookie and the token messages. */
export const REASON_INCORRECT_LENGTH = 'has incorrect length'
export const REASON_INVALID_CHARACTERS = 'has invalid characters'

/** The cookie is neither 32 nor 64 characters long. */
export const REASON_COOKIE_INCORRECT_LENGTH = `CSRF cookie ${REASON_INCORRECT_LENGTH}.`

/** The cookie holds a character outside `[a-zA-Z0-9]`. */
export const REASON_COOKIE_INVALID_CHARACTERS = `CSRF cookie ${REASON_INVALID_CHARACTERS}.`

/** Tessera beyond Django: a `Sec-Fetch-Site: cross-site` request whose Origin is not trusted. */
export const REASON_CROSS_SITE = 'Cross-site request refused (Sec-Fetch-Site: cross-site).'

/**
 * Django's `HttpHeaders.parse_header_name` followed by Python's `str.title()`: `X-CSRFToken` (or Django's META form
 * `HTTP_X_CSRFTOKEN`) becomes `X-Csrftoken`. A letter is uppercased when the previous character is not a letter,
 * every other letter is lowercased, exactly as `title()` does (`X-CSRF2token` becomes `X-Csrf2Token`).
 */
export function headerDisplayName(headerName: string): string {
  const name = (headerName.startsWith('HTTP_') ? headerName.slice(5) : headerName).replace(/_/g, '-')
  let out = ''
  let previousCased = false
  for (const ch of name) {
    const cased = ch.toLowerCase() !== ch.toUpperCase()
    out += cased ? (previousCased ? ch.toLowerCase() : ch.toUpperCase()) : ch
    previousCased = cased
  }
  return out
}

/**
 * Django's `_bad_token_message`: names where the token came from, `'POST'` for the form field or the header
 * name otherwise, e.g. "CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.".
 *
 * @param reason `REASON_INCORRECT_LENGTH`, `REASON_INVALID_CHARACTERS` or `'incorrect'`.
 * @param source `'POST'`, or the configured header name.
 */
export function badTokenMessage(reason: string, source: string): string {
  const from = source === 'POST' ? 'POST' : `the '${headerDisplayName(source)}' HTTP header`
  return `CSRF token from ${from} ${reason}.`
}
