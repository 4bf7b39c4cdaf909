import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HashingBusyError, RateLimitedError, TesseraError, ValidationError, type ErrorCode } from '../errors.js'
import { TokenInvalidError } from '../tokens/index.js'

/** The only place that knows which HTTP status an error code is. */
const STATUS: Record<ErrorCode, number> = {
  ERR_CONFIG_INVALID: 500,
  ERR_TOKEN_INVALID: 401,
  ERR_TOKEN_EXPIRED: 401,
  ERR_TOKEN_BLACKLISTED: 401,
  ERR_TOKEN_REUSED: 401,
  ERR_TOKEN_MISSING: 403,
  ERR_AUTH_NOT_AUTHENTICATED: 401,
  ERR_AUTH_BAD_CREDENTIALS: 401,
  ERR_AUTH_INACTIVE: 401,
  ERR_AUTH_USER_NOT_FOUND: 401,
  ERR_AUTH_NO_ACTIVE_ACCOUNT: 401,
  ERR_AUTH_RATE_LIMITED: 429,
  ERR_AUTH_REGISTRATION_CLOSED: 403,
  ERR_AUTH_REAUTH_REQUIRED: 403,
  ERR_AUTH_MFA_REQUIRED: 403,
  ERR_AUTH_MFA_PENDING: 400,
  ERR_WEBAUTHN_CHALLENGE: 400,
  ERR_MAIL_UNAVAILABLE: 503,
  ERR_CSRF_FAILED: 403,
  ERR_VALIDATION: 400,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_PASSWORD_FORMAT: 400,
  ERR_PASSWORD_BUSY: 503,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_STORE_MIGRATION: 500,
}

/** SimpleJWT's `code` for the errors that have one. */
const SIMPLEJWT_CODE: Partial<Record<ErrorCode, string>> = {
  ERR_TOKEN_INVALID: 'token_not_valid',
  ERR_TOKEN_EXPIRED: 'token_not_valid',
  ERR_TOKEN_BLACKLISTED: 'token_not_valid',
  ERR_TOKEN_REUSED: 'token_not_valid',
  ERR_AUTH_INACTIVE: 'user_inactive',
  ERR_AUTH_USER_NOT_FOUND: 'user_not_found',
  ERR_AUTH_NO_ACTIVE_ACCOUNT: 'no_active_account',
  ERR_AUTH_BAD_CREDENTIALS: 'no_active_account',
  ERR_AUTH_NOT_AUTHENTICATED: 'not_authenticated',
  ERR_CSRF_FAILED: 'csrf_permission_denied',
  ERR_AUTH_REAUTH_REQUIRED: 'reauthentication_required',
}

export const WWW_AUTHENTICATE = 'Bearer realm="api"'
/** Seconds a client should wait before retrying after a 503. */
export const RETRY_UNAVAILABLE = '1'

/**
 * Turns a TesseraError into its status and body. An invalid *access* token gets SimpleJWT's
 * authentication-failure shape, with the per-token-class `messages` list.
 */
export function errorResponse(error: TesseraError): { status: number; body: Record<string, unknown> } {
  const status = STATUS[error.code]
  if (error instanceof ValidationError) return { status, body: error.fields }
  if (error instanceof TokenInvalidError && error.tokenType === 'access') {
    return {
      status,
      body: {
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message: error.message }],
      },
    }
  }
  const code = SIMPLEJWT_CODE[error.code]
  return { status, body: code ? { detail: error.message, code } : { detail: error.message } }
}

/** The headers a status needs: `WWW-Authenticate` on a 401, `Retry-After` on a 429 and a 503. */
function headersFor(error: TesseraError, status: number): Record<string, string> {
  const headers: Record<string, string> = {}
  if (status === 401) headers['www-authenticate'] = WWW_AUTHENTICATE
  if (error instanceof RateLimitedError || error instanceof HashingBusyError) headers['retry-after'] = String(error.retryAfter)
  // A database outage, a full disk or a held lock: the client may try again shortly (RFC 9110 §10.2.3).
  else if (status === 503) headers['retry-after'] = RETRY_UNAVAILABLE
  return headers
}

/**
 * A TesseraError as Fastify errors are (`statusCode`, `code`, `headers`), for what Tessera's hooks throw
 * on a host's routes: the host's error handler answers with its own body shape and the right status.
 * Tessera's own error handler unwraps it and answers in the contract's shape.
 */
export class HttpError extends Error {
  readonly statusCode: number
  readonly code: string
  readonly headers: Record<string, string>
  constructor(readonly error: TesseraError) {
    super(error.message, { cause: error })
    this.name = 'HttpError'
    this.statusCode = STATUS[error.code]
    this.code = error.code
    this.headers = headersFor(error, this.statusCode)
  }
}

export const httpError = (error: TesseraError): HttpError => new HttpError(error)

/** Fastify's own errors for bad requests, turned into the contract's `{detail}` bodies. */
function fastifyClientError(error: FastifyError): { status: number; body: Record<string, unknown> } | undefined {
  if (error.validation) {
    const fields: Record<string, string[]> = {}
    for (const issue of error.validation) {
      const missing = issue.keyword === 'required' ? String((issue.params as { missingProperty?: string }).missingProperty ?? '') : ''
      const field = missing || issue.instancePath.replace(/^\//, '').split('/')[0] || 'non_field_errors'
      const message = issue.keyword === 'required' ? 'This field is required.'
        : issue.keyword === 'type' ? 'Not a valid string.'
        : issue.keyword === 'maxLength' ? `Ensure this field has no more than ${(issue.params as { limit?: number }).limit} characters.`
        : issue.keyword === 'minLength' ? 'This field may not be blank.'
        : issue.keyword === 'additionalProperties' ? 'Unexpected field.'
        : issue.message ?? 'Invalid value.'
      ;(fields[field] ??= []).push(message)
    }
    return { status: 400, body: fields }
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { detail: 'Request body is too large.' } }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { detail: `Unsupported media type in request.` } }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { detail: 'JSON parse error.' } }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { detail: 'Invalid Content-Length.' } }
  }
  if (error instanceof SyntaxError) return { status: 400, body: { detail: 'JSON parse error.' } }
  const status = error.statusCode
  if (status && status >= 400 && status < 500) return { status, body: { detail: error.message } }
  return undefined
}

/** The error handler for Tessera's routes (and the ready server): never a stack trace, never a 500 for client input. */
export function handleError(error: FastifyError | HttpError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const tessera = error instanceof HttpError ? error.error : error
  if (tessera instanceof TesseraError) {
    if (tessera.code === 'ERR_STORE_UNAVAILABLE') request.log.warn({ err: tessera.cause ?? tessera }, 'database unavailable')
    const { status, body } = errorResponse(tessera)
    return reply.code(status).headers(headersFor(tessera, status)).send(body)
  }
  const client = fastifyClientError(error as FastifyError)
  if (client) return reply.code(client.status).send(client.body)
  request.log.error({ err: error }, 'unhandled error')
  return reply.code(500).send({ detail: 'A server error occurred.' })
}
