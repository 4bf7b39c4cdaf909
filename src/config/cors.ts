import type { CorsSettings } from './config.js'
import { invalid } from './parse.js'

/** django-cors-headers' default CORS_ALLOW_HEADERS. */
export const DEFAULT_CORS_ALLOW_HEADERS = ['accept', 'authorization', 'content-type', 'user-agent', 'x-csrftoken', 'x-requested-with'] as const

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export interface CorsInput {
  allowedOrigins?: unknown
  allowHeaders?: unknown
  allowAllOrigins?: unknown
}

/**
 * CORS_ALLOWED_ORIGINS, CORS_ALLOW_HEADERS and CORS_ALLOW_ALL_ORIGINS (django-cors-headers' names). Tessera's
 * CORS always allows credentials: the session is a cookie. So "every origin" cannot be had: browsers refuse
 * `Access-Control-Allow-Origin: *` with credentials, and echoing any origin instead would let every site read
 * a signed-in user's answers. The CSRF header is always among the allowed ones (no cross-origin unsafe request
 * could pass without it).
 */
export function resolveCors(input: CorsInput, csrfHeaderName: string, name: (path: string) => string, fail: (message: string) => never): CorsSettings {
  const list = (path: string, value: unknown): string[] | undefined =>
    value === undefined ? undefined : Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.map((v: string) => v.trim()) : fail(invalid(name(path), 'a list of strings', value).message)
  if (input.allowAllOrigins !== undefined && typeof input.allowAllOrigins !== 'boolean') fail(invalid(name('cors.allowAllOrigins'), 'true or false', input.allowAllOrigins).message)
  if (input.allowAllOrigins === true) {
    fail(
      `${name('cors.allowAllOrigins')}=true is refused: Tessera's CORS always allows credentials (the session is a cookie), browsers refuse ` +
        "'Access-Control-Allow-Origin: *' with credentials, and answering every origin instead would let any site read a signed-in user's data; " +
        `list your front ends in ${name('cors.allowedOrigins')}`,
    )
  }
  const allowedOrigins = list('cors.allowedOrigins', input.allowedOrigins) ?? []
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[^/*]+$/.test(origin)) fail(`${name('cors.allowedOrigins')} entry '${origin}' must be a scheme and host such as https://app.example.com`)
  }
  const headers = (list('cors.allowHeaders', input.allowHeaders) ?? [...DEFAULT_CORS_ALLOW_HEADERS]).map((h) => h.toLowerCase())
  const bad = headers.find((h) => !HEADER_NAME.test(h))
  if (bad !== undefined) fail(`${name('cors.allowHeaders')} entry '${bad}' is not a header name`)
  return { allowedOrigins, allowHeaders: [...new Set([...headers, csrfHeaderName.toLowerCase()])] }
}
