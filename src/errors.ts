/**
 * One error base class for everything Tessera throws on purpose. Each error carries a stable `code`;
 * `src/http/errors.ts` is the only place that maps a code to an HTTP status.
 */
export type ErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_BLACKLISTED'
  | 'ERR_TOKEN_REUSED'
  | 'ERR_TOKEN_MISSING'
  | 'ERR_AUTH_NOT_AUTHENTICATED'
  | 'ERR_AUTH_BAD_CREDENTIALS'
  | 'ERR_AUTH_INACTIVE'
  | 'ERR_AUTH_USER_NOT_FOUND'
  | 'ERR_AUTH_NO_ACTIVE_ACCOUNT'
  | 'ERR_AUTH_RATE_LIMITED'
  | 'ERR_AUTH_REGISTRATION_CLOSED'
  /** A sensitive action needs the password again (no password login within REAUTH_WINDOW). */
  | 'ERR_AUTH_REAUTH_REQUIRED'
  /** The password was right; the account has a second factor, so only the two-step login opens a session. */
  | 'ERR_AUTH_MFA_REQUIRED'
  /** No pending login (absent, expired, used, or started by another client) for the second factor. */
  | 'ERR_AUTH_MFA_PENDING'
  /** No live WebAuthn challenge (absent, expired, used, or asked for by another client). */
  | 'ERR_WEBAUTHN_CHALLENGE'
  /** No mail can go out (production without EMAIL_URL). */
  | 'ERR_MAIL_UNAVAILABLE'
  | 'ERR_CSRF_FAILED'
  | 'ERR_VALIDATION'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_PASSWORD_FORMAT'
  | 'ERR_PASSWORD_BUSY'
  | 'ERR_STORE_UNAVAILABLE'
  /** Applying the schema migrations failed (a start-up error: not "try again later"). */
  | 'ERR_STORE_MIGRATION'

export class TesseraError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A request field failed validation; `fields` is DRF's shape: `{ field: ["message", ...] }`. */
export class ValidationError extends TesseraError {
  constructor(readonly fields: Record<string, string[]>) {
    super('ERR_VALIDATION', Object.entries(fields).map(([k, v]) => `${k}: ${v.join(' ')}`).join('; '))
  }
}

/** Too many attempts; `retryAfter` is in whole seconds. */
export class RateLimitedError extends TesseraError {
  constructor(readonly retryAfter: number) {
    super('ERR_AUTH_RATE_LIMITED', `Request was throttled. Expected available in ${retryAfter} seconds.`)
  }
}

/** The queue of password checks in an imported (slow) format is full: shed, not queued without end. */
export class HashingBusyError extends TesseraError {
  constructor(readonly retryAfter: number) {
    super('ERR_PASSWORD_BUSY', 'Service temporarily unavailable, try again later.')
  }
}

/** The database (or another backing service) did not answer. */
export class StoreUnavailableError extends TesseraError {
  constructor(cause: unknown) {
    super('ERR_STORE_UNAVAILABLE', 'Service temporarily unavailable, try again later.', { cause })
  }
}
