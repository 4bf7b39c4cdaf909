import { isRecord, readJson, TesseraClientError } from './errors.js'

/** RFC 9110's safe methods: the only ones the server lets through without a CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase())
}

/**
 * One cookie's value in a `document.cookie` string, or undefined. A value that is not valid percent-encoding
 * (`csrftoken=%E0%A4%A`, which a sibling subdomain can set for the whole site) is skipped, not thrown: such a
 * cookie would otherwise break every unsafe call and logout. A later cookie of the same name (the browser lists
 * one per path and domain) may still be the real one.
 */
export function cookieValue(cookies: string, name: string): string | undefined {
  for (const pair of cookies.split(';')) {
    const eq = pair.indexOf('=')
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue
    const value = pair.slice(eq + 1).trim()
    if (value === '') continue
    try {
      return decodeURIComponent(value)
    } catch {
      // URIError: malformed percent-encoding; look on.
    }
  }
  return undefined
}

/** One cookie's value from `document.cookie`, or undefined (also outside a browser). */
export function readCookie(name: string): string | undefined {
  return typeof document === 'undefined' ? undefined : cookieValue(document.cookie, name)
}

/**
 * Where the `X-CSRFToken` value comes from.
 *
 * On the API's own origin the `csrftoken` cookie is readable and always current (login rotates it; Django's
 * front ends read it the same way). A front end on another origin may not see the API's cookies at all, so it
 * uses the masked token from `GET csrf_token/`, which stays valid until the secret rotates: at a login (which
 * the client knows about) or at a login in another tab (which surfaces as a CSRF 403 that the client answers
 * by fetching a new token and retrying once).
 */
export class CsrfTokenSource {
  private cached: string | undefined
  private pending: Promise<string> | undefined

  constructor(
    private readonly tokenUrl: string,
    private readonly tokenKey: string,
    private readonly cookieName: string,
    private readonly readFromCookie: boolean,
    private readonly fetchImpl: typeof fetch,
  ) {}

  async token(): Promise<string> {
    if (this.readFromCookie) {
      const cookie = readCookie(this.cookieName)
      if (cookie !== undefined) return cookie
    }
    if (this.cached !== undefined) return this.cached
    // Several unsafe calls at page load share one token request.
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  /** Forgets the token after the server rotated the secret (a login, a register, a CSRF 403). */
  reset(): void {
    this.cached = undefined
  }

  private async fetchToken(): Promise<string> {
    const response = await this.fetchImpl(this.tokenUrl, { credentials: 'include', headers: { accept: 'application/json' } })
    const body = await readJson(response)
    const token = isRecord(body) ? body[this.tokenKey] : undefined
    if (!response.ok || typeof token !== 'string') throw new TesseraClientError(response.status, body)
    this.cached = token
    return token
  }
}

/** A 403 from the CSRF check (`{"detail": "CSRF Failed: ...", "code": "csrf_permission_denied"}`). */
export function isCsrfFailure(status: number, body: unknown): boolean {
  return status === 403 && isRecord(body) && typeof body.detail === 'string' && body.detail.startsWith('CSRF Failed:')
}
