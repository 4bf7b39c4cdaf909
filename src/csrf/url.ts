/**
 * A faithful port of the parts of Python's `urllib.parse.urlsplit` / `urlunsplit` that Django's CSRF checks rely
 * on. WHATWG `new URL()` is deliberately not used: it lowercases and punycodes hosts, drops default ports and
 * resolves `http://http://x` differently, while Django compares the raw netloc ("the port must match literally").
 */

/** The five parts of a URL, as Python's `SplitResult`. `scheme` is lowercased, like Python does. */
export interface SplitUrl {
  scheme: string
  netloc: string
  path: string
  query: string
  fragment: string
}

// Python's `scheme_chars`: letters, digits, "+-.".
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*$/
// Python 3.11+ strips WHATWG "C0 control or space" from the start and removes tab/CR/LF everywhere.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the C0 controls is the point
const LEADING_C0_RE = /^[\x00-\x20]+/
const UNSAFE_BYTES_RE = /[\t\r\n]/g
const IPV_FUTURE_RE = /^v[a-fA-F0-9]+\..+$/
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/

/**
 * Splits a URL the way Python's `urlsplit` does. Returns `null` where Python raises `ValueError` (for example
 * `https://[`, "Invalid IPv6 URL"), so callers treat it as "cannot be parsed" without any exception escaping.
 */
export function splitUrl(input: string): SplitUrl | null {
  let url = input.replace(LEADING_C0_RE, '').replace(UNSAFE_BYTES_RE, '')
  let scheme = ''
  let netloc = ''
  let query = ''
  let fragment = ''

  const colon = url.indexOf(':')
  if (colon > 0 && SCHEME_RE.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase()
    url = url.slice(colon + 1)
  }
  if (url.startsWith('//')) {
    let end = url.length
    for (const delimiter of ['/', '?', '#']) {
      const at = url.indexOf(delimiter, 2)
      if (at >= 0 && at < end) end = at
    }
    netloc = url.slice(2, end)
    url = url.slice(end)
    const open = netloc.includes('[')
    if (open !== netloc.includes(']')) return null
    if (open && !isValidBracketedNetloc(netloc)) return null
  }
  const hash = url.indexOf('#')
  if (hash >= 0) {
    fragment = url.slice(hash + 1)
    url = url.slice(0, hash)
  }
  const question = url.indexOf('?')
  if (question >= 0) {
    query = url.slice(question + 1)
    url = url.slice(0, question)
  }
  if (!isValidNonAsciiNetloc(netloc)) return null
  return { scheme, netloc, path: url, query, fragment }
}

/** Python's `urlunsplit`, used to echo the Referer in the rejection message as Django's `geturl()` does. */
export function joinUrl(parts: SplitUrl): string {
  let url = parts.path
  if (parts.netloc !== '') {
    if (url !== '' && !url.startsWith('/')) url = `/${url}`
    url = `//${parts.netloc}${url}`
  } else if (url.startsWith('//')) {
    url = `//${url}`
  }
  if (parts.scheme !== '') url = `${parts.scheme}:${url}`
  if (parts.query !== '') url = `${url}?${parts.query}`
  if (parts.fragment !== '') url = `${url}#${parts.fragment}`
  return url
}

/** Splits `host:port` (after any userinfo) at the last colon outside brackets; the port is kept as text. */
export function splitHostPort(netloc: string): { host: string; port: string } {
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1)
  const colon = hostPort.lastIndexOf(':')
  if (colon > hostPort.lastIndexOf(']')) return { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) }
  return { host: hostPort, port: '' }
}

// Python's `_check_bracketed_netloc` (CPython main; 3.11 lacks the before/after-bracket rules): nothing before
// '[', only ':port' after ']', and the bracketed part must be an IPv6 address or an IPvFuture literal (an IPv4
// address in brackets is rejected).
function isValidBracketedNetloc(netloc: string): boolean {
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1)
  const open = hostPort.indexOf('[')
  // Brackets only in the userinfo: Python then validates the unbracketed host as an IP literal, which fails
  // for any name.
  if (open < 0) return isBracketedHost(hostPort.split(':')[0] ?? '')
  if (open > 0) return false
  const close = hostPort.indexOf(']')
  if (close < 0) return false
  const rest = hostPort.slice(close + 1)
  if (rest !== '' && !rest.startsWith(':')) return false
  return isBracketedHost(hostPort.slice(1, close))
}

// Python's `_check_bracketed_host`.
function isBracketedHost(host: string): boolean {
  if (host.startsWith('v')) return IPV_FUTURE_RE.test(host)
  return isIPv6(host)
}

function isIPv6(host: string): boolean {
  if (host === '' || IPV4_RE.test(host) || !/^[0-9A-Fa-f:.]+$/.test(host)) return false
  // The WHATWG parser is an exact IPv6 grammar; here it only validates, it never throws past this function.
  try {
    new URL(`http://[${host}]/`)
    return true
  } catch {
    return false
  }
}

// Python's `_checknetloc`: a non-ASCII netloc whose NFKC form gains a URL delimiter is rejected (CVE-2019-9636).
function isValidNonAsciiNetloc(netloc: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII, controls included
  if (!/[^\x00-\x7f]/.test(netloc)) return true
  const stripped = netloc.replace(/[@:#?]/g, '')
  const normalized = stripped.normalize('NFKC')
  if (normalized === stripped) return true
  return !/[/?#@:]/.test(normalized)
}
