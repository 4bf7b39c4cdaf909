import type { FastifyRequest } from 'fastify'
import type { ClientInfo } from '../auth/index.js'
import type { CsrfRequest } from '../csrf/index.js'

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

export const isSecureRequest = (request: FastifyRequest): boolean => request.protocol === 'https'

/** Gathers what the pure CSRF check reads from a request. */
export function csrfRequest(request: FastifyRequest, cookieName: string, headerName: string): CsrfRequest {
  // Like Django, the form field is read only from a form-encoded body.
  const body = request.body as Record<string, unknown> | null | undefined
  const isForm = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ?? false
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

export function clientInfo(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: header(request, 'user-agent') ?? '' }
}
