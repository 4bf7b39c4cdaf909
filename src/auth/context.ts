import type { AccountSettings, TokenSettings } from '../config/index.js'
import type { PasswordHasher } from '../passwords/index.js'
import type { TokenService } from '../tokens/index.js'
import type { MailLimiter } from './mail-limit.js'
import type { LoginLimiter } from './rate-limit.js'
import type { RevocationList } from './revocations.js'
import type { NewMail, Store } from './store.js'
import type { UserCache } from './user-cache.js'

/** A structured audit event (pino in the server); never carries a password or a token. */
export type Audit = (event: AuditEvent, fields: Record<string, unknown>) => void
export type AuditEvent =
  | 'login_ok' | 'login_failed' | 'refresh' | 'refresh_grace' | 'refresh_retry' | 'reuse_detected' | 'session_revoked'
  | 'logout' | 'password_changed' | 'user_registered' | 'rate_limited' | 'csrf_failed'
  | 'password_reset_requested' | 'password_reset' | 'email_confirmation_sent' | 'email_verified' | 'email_changed'
  | 'email_change_requested' | 'profile_updated' | 'user_deleted' | 'reauth_failed'
  | 'mfa_enabled' | 'mfa_disabled' | 'mfa_required' | 'mfa_failed' | 'mfa_recovery_code_used' | 'mfa_reset'

/**
 * Renders a message into an outbox row (src/mail/ implements it). The use cases queue the row with
 * the change that causes it; the sender delivers it later.
 */
export interface MailComposer {
  /** False when no mail can go out (production without EMAIL_URL): the routes that exist to send mail answer 503. */
  readonly enabled: boolean
  /** `kind` is a template name (src/mail/templates.ts); `vars` fill it, with the site's name and URL added. */
  compose(kind: string, to: string, userId: number | null, vars: Record<string, string>): NewMail
  /** This instance just committed mail: the sender should look now rather than at its next poll. */
  wake(): void
}

/** Who made the request, for the session list, the audit log and binding a session to its client. */
export interface ClientInfo {
  ip: string
  userAgent: string
  /** The CSRF secret the client holds (after a login: the one the login hands it); '' when none. */
  csrfSecret: string
}

/** Everything the use cases share; built once by `createAuthService`. */
export interface AuthContext {
  settings: TokenSettings & { registrationEnabled: boolean; simplejwtCompat: boolean; usernameAllowMixedScripts: boolean }
  store: Store
  tokens: TokenService
  hasher: PasswordHasher
  revocations: RevocationList
  users: UserCache
  limiter: LoginLimiter
  audit: Audit
  now: () => number
  /** The account settings and the mail composer, when the account routes are wired (the server always does). */
  accounts?: AccountSettings
  mail?: MailComposer
  /** The second factors' settings; `pendingMaxAttempts` is Infinity with the rate limits off. */
  mfa: { issuer: string; pendingLifetime: number; pendingMaxAttempts: number; challengeLifetime: number; maxCredentials: number }
  /** The per-address budget of password-reset and confirmation mails. */
  mailLimiter?: MailLimiter
}
