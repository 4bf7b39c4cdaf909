import type { TokenSettings } from '../config/index.js'
import type { PasswordHasher } from '../passwords/index.js'
import type { TokenService } from '../tokens/index.js'
import type { LoginLimiter } from './rate-limit.js'
import type { RevocationList } from './revocations.js'
import type { Store } from './store.js'
import type { UserCache } from './user-cache.js'

/** A structured audit event (pino in the server); never carries a password or a token. */
export type Audit = (event: AuditEvent, fields: Record<string, unknown>) => void
export type AuditEvent =
  | 'login_ok' | 'login_failed' | 'refresh' | 'refresh_grace' | 'refresh_retry' | 'reuse_detected' | 'session_revoked'
  | 'logout' | 'password_changed' | 'user_registered' | 'rate_limited' | 'csrf_failed'

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
}
