/**
 * Which requests `fetch()` treats as the API's. Only those get the CSRF header, `credentials: 'include'` and
 * the refresh-and-retry: the CSRF secret and the cookies are the API's, so a call to any other origin
 * (`auth.fetch('https://evil.example/collect', {method: 'POST'})`, a CDN, a third-party API) must not carry
 * them, and a 401 from it says nothing about Tessera's session.
 */
export interface RequestScope {
  /** True when the request goes to the API's origin or to an origin of `allowedOrigins`. */
  covers(input: unknown): boolean
}

/** The origin `value` stands for, or a TypeError naming the option: only `scheme://host[:port]`, nothing after. */
function toOrigin(value: string): string {
  let parsed: URL | undefined
  try {
    parsed = new URL(value)
  } catch {
    parsed = undefined
  }
  // `URL.origin` is the string 'null' for opaque origins (data:, file:): never a match. A path, query or
  // credentials mean the value was meant as a URL prefix, which this check would silently widen to the origin.
  const bare = parsed !== undefined && parsed.pathname === '/' && parsed.search === '' && parsed.hash === '' && parsed.username === '' && parsed.password === ''
  const origin = parsed?.origin
  if (!bare || origin === undefined || origin === 'null') {
    throw new TypeError(`createClient: allowedOrigins must hold origins like 'https://api.example.com' (got '${value}')`)
  }
  return origin
}

/** The URL a `fetch` input points at, resolved against the page; undefined when it has none. */
function targetOf(input: unknown, base: string | undefined): URL | undefined {
  let href: string | undefined
  if (typeof input === 'string') href = input
  else if (input instanceof URL) href = input.href
  // A Request (the type says string | URL, but plain JavaScript may pass one): its own URL decides.
  else if (typeof input === 'object' && input !== null && typeof (input as { url?: unknown }).url === 'string') href = (input as { url: string }).url
  if (href === undefined) return undefined
  try {
    return new URL(href, base)
  } catch {
    return undefined
  }
}

/**
 * `apiOrigin` is the origin of the client's `baseUrl`; `pageUrl` resolves relative inputs (`'/api/notes'`) as
 * the browser will, and is undefined outside a browser (where a relative input has no origin and passes through).
 */
export function createRequestScope(apiOrigin: string, allowedOrigins: readonly string[] | undefined, pageUrl: string | undefined): RequestScope {
  const origins = new Set([apiOrigin, ...(allowedOrigins ?? []).map(toOrigin)])
  return {
    covers(input) {
      const target = targetOf(input, pageUrl)
      return target !== undefined && origins.has(target.origin)
    },
  }
}
