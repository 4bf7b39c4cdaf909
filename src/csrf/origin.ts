/**
 * Django's Origin and Referer verification (`CsrfViewMiddleware._origin_verified` and `_check_referer`).
 */
import {
  REASON_BAD_REFERER,
  REASON_INSECURE_REFERER,
  REASON_MALFORMED_REFERER,
  REASON_NO_REFERER,
} from './reasons.js'
import { joinUrl, splitHostPort, splitUrl } from './url.js'

/** A `CSRF_TRUSTED_ORIGINS` entry containing `*`, such as `https://*.example.com:8443`. */
export interface WildcardOrigin {
  /** Lowercased scheme, compared for equality (`https://*.example.com` does not admit `http://a.example.com`). */
  scheme: string
  /** The host with the `*` stripped, e.g. `.example.com`; matched with {@link isSameDomain}. */
  domain: string
  /** The port as written, `''` when absent; it must match literally (Django compares the netloc). */
  port: string
}

/** `CSRF_TRUSTED_ORIGINS` pre-parsed once, as Django's cached properties do. */
export interface TrustedOrigins {
  /** Entries without `*`, compared verbatim with the Origin header (Django's `allowed_origins_exact`). */
  exact: Set<string>
  /** Entries with `*` (Django's `allowed_origin_subdomains`). */
  wildcards: WildcardOrigin[]
  /** Every entry's netloc with leading `*` stripped, for the Referer check (`csrf_trusted_origins_hosts`). */
  hosts: string[]
}

/**
 * Parses `CSRF_TRUSTED_ORIGINS`. Like Django 4.0+ (system check 4_0.E001), every entry must carry a scheme:
 * a bare `example.com`, accepted by Django 3.2, would otherwise silently never match an Origin header.
 *
 * @throws Error naming the entry when it lacks a scheme or cannot be parsed (e.g. `https://[` or `https://`).
 */
export function parseTrustedOrigins(list: readonly string[]): TrustedOrigins {
  const trusted: TrustedOrigins = { exact: new Set(), wildcards: [], hosts: [] }
  for (const entry of list) {
    // Django's check is exactly `'://' in origin`.
    if (!entry.includes('://')) {
      throw new Error(`CSRF_TRUSTED_ORIGINS entry '${entry}' must start with a scheme (https://)`)
    }
    const parts = splitUrl(entry)
    if (parts === null || parts.scheme === '' || parts.netloc === '') {
      throw new Error(`CSRF_TRUSTED_ORIGINS entry '${entry}' cannot be parsed as an origin (scheme://host[:port])`)
    }
    const netloc = parts.netloc.replace(/^\*+/, '')
    trusted.hosts.push(netloc)
    if (entry.includes('*')) {
      const { host, port } = splitHostPort(netloc)
      trusted.wildcards.push({ scheme: parts.scheme, domain: host, port })
    } else {
      trusted.exact.add(entry)
    }
  }
  return trusted
}

/**
 * Django's `django.utils.http.is_same_domain`. A pattern starting with `.` matches the bare domain and every
 * subdomain (`.example.com` matches `example.com` and `a.b.example.com`, not `badexample.com`); any other pattern
 * must match exactly. Comparison is case-insensitive; an empty pattern matches nothing.
 */
export function isSameDomain(host: string, pattern: string): boolean {
  if (pattern === '') return false
  const p = pattern.toLowerCase()
  const h = host.toLowerCase()
  return (p.startsWith('.') && (h.endsWith(p) || h === p.slice(1))) || p === h
}

/** What {@link checkOrigin} compares the Origin header with. */
export interface OriginContext {
  /** The request's own origin as the server sees itself: `'https://' + host` (port included if non-default). */
  requestOrigin: string
  trusted: TrustedOrigins
}

/**
 * Django's `_origin_verified`: is the Origin header the request's own origin, an exact trusted origin, or
 * covered by a wildcard trusted origin of the same scheme (with the port matching literally)?
 * `null` (sent for sandboxed frames, file: pages and some redirects) and unparsable values never verify.
 */
export function checkOrigin(origin: string, ctx: OriginContext): boolean {
  if (origin === 'null') return false
  // Python's urlsplit raises ValueError on e.g. `https://[`; Django then returns False.
  const parts = splitUrl(origin)
  if (parts === null) return false
  if (origin === ctx.requestOrigin) return true
  if (ctx.trusted.exact.has(origin)) return true
  // Django matches the whole netloc against '.example.com' (+ ':port'), so a port is never implied.
  return ctx.trusted.wildcards.some(
    (w) => w.scheme === parts.scheme && isSameDomain(parts.netloc, w.port === '' ? w.domain : `${w.domain}:${w.port}`),
  )
}

/** What {@link checkReferer} compares the Referer header with. */
export interface RefererContext {
  /** The request's host as `get_host()` returns it, with the port when it is not the default one. */
  host: string
  trusted: TrustedOrigins
  /** `CSRF_COOKIE_DOMAIN`; when set it replaces the host as the good Referer, as in Django. */
  cookieDomain?: string
  /** The port the server listens on (`request.get_port()`), appended to the cookie domain unless 80 or 443. */
  serverPort?: string
}

/**
 * Django's `_check_referer`, the strict Referer check for HTTPS requests without an Origin header (the caller
 * decides when it applies). Returns `null` when the Referer is acceptable, else the Django rejection reason.
 */
export function checkReferer(referer: string | undefined, ctx: RefererContext): string | null {
  if (referer === undefined) return REASON_NO_REFERER
  const parts = splitUrl(referer)
  // Covers '', non-ASCII text, '//host' (no scheme), 'https://' (no netloc) and 'https://[' (ValueError).
  if (parts === null || parts.scheme === '' || parts.netloc === '') return REASON_MALFORMED_REFERER
  // A page served over http can be tampered with by a network attacker, so it may not vouch for an https POST.
  if (parts.scheme !== 'https') return REASON_INSECURE_REFERER

  if (ctx.trusted.hosts.some((host) => isSameDomain(parts.netloc, host))) return null

  let goodReferer: string
  if (ctx.cookieDomain) {
    // Django: with CSRF_COOKIE_DOMAIN set, any page that can receive the cookie may post; the host is not
    // consulted. An empty domain is treated as unset: it is what a host-only cookie's Domain looks like.
    goodReferer = ctx.cookieDomain
    if (ctx.serverPort !== undefined && ctx.serverPort !== '443' && ctx.serverPort !== '80') {
      goodReferer = `${goodReferer}:${ctx.serverPort}`
    }
  } else {
    goodReferer = ctx.host
  }
  if (isSameDomain(parts.netloc, goodReferer)) return null
  return REASON_BAD_REFERER(joinUrl(parts))
}
