import type { FastifyRequest } from 'fastify'
import type { ClientInfo } from '../auth/index.js'
import { checkTokenFormat, generateSecret, normalizeSecret, type CsrfRequest } from '../csrf/index.js'

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

export const isSecureRequest = (request: FastifyRequest): boolean => request.protocol === 'https'

/** Gathers what the pure CSRF check reads from a request. */
export function csrfRequest(request: FastifyRequest, cookieName: string, headerName: string): CsrfRequest {
  // Like Django (request.POST), the form field is read only from a form-encoded or multipart body.
  const body = request.body as Record<string, unknown> | null | undefined
  const isForm = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(request.headers['content-type'] ?? '')
  const form = isForm && body && typeof body.csrfmiddlewaretoken === 'string' ? body.csrfmiddlewaretoken : undefined
  return {
    method: request.method,
    isSecure: isSecureRequest(request),
    host: request.host,
    origin: header(request, 'origin'),
    referer: header(request, 'referer'),
    secFetchSite: header(request, 'sec-fetch-site'),
    cookie: request.cookies[cookieName],
    headerToken: header(request, headerName.toLowerCase()),
    formToken: form,
  }
}

/** The client behind a request, with the CSRF secret its cookie holds ('' for none or a malformed one). */
export function clientInfo(request: FastifyRequest, csrfCookie: string): ClientInfo {
  const cookie = request.cookies[csrfCookie]
  const csrfSecret = cookie !== undefined && checkTokenFormat(cookie) === 'ok' ? normalizeSecret(cookie) : ''
  return { ip: request.ip, userAgent: header(request, 'user-agent') ?? '', csrfSecret }
}

/**
 * The client of a login or registration, holding the CSRF secret the response is about to hand it
 * (Django's rotate_token: a secret planted before login is worthless after); the session is bound to it.
 */
export function loggingInClient(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: header(request, 'user-agent') ?? '', csrfSecret: generateSecret() }
}
