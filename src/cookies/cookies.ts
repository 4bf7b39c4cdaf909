import type { CookieSettings } from '../config/index.js'

/** What `reply.setCookie(name, value, options)` needs; kept framework-free so it can be unit-tested. */
export interface CookieInstruction {
  name: string
  value: string
  options: {
    path: string
    domain?: string
    secure: boolean
    httpOnly: boolean
    sameSite: 'lax' | 'strict' | 'none'
    maxAge: number
    expires?: Date
  }
}

export interface CookieJarSettings {
  access: CookieSettings
  refresh: CookieSettings
  csrf: CookieSettings
}

function attributes(c: CookieSettings, secureRequest: boolean): Omit<CookieInstruction['options'], 'maxAge'> {
  return {
    path: c.path,
    ...(c.domain && { domain: c.domain }),
    // Over HTTPS every cookie is Secure even when the setting is off: it costs nothing and keeps
    // the cookie from ever travelling over plain HTTP.
    secure: c.secure || secureRequest,
    httpOnly: c.httpOnly,
    sameSite: c.sameSite.toLowerCase() as 'lax' | 'strict' | 'none',
  }
}

/** A cookie carrying `value` for the cookie's configured lifetime (or `maxAge` seconds). */
export function setCookie(c: CookieSettings, value: string, secureRequest = false, maxAge = c.maxAge): CookieInstruction {
  return { name: c.name, value, options: { ...attributes(c, secureRequest), maxAge } }
}

/**
 * Deleting a cookie means sending it again, empty, with `Max-Age=0` and an `Expires` in 1970, and
 * with the same Path and Domain it was set with (otherwise the browser keeps the original).
 */
export function deleteCookie(c: CookieSettings, secureRequest = false): CookieInstruction {
  return { name: c.name, value: '', options: { ...attributes(c, secureRequest), maxAge: 0, expires: new Date(0) } }
}
