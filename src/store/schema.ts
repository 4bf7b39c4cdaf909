import type { Generated } from 'kysely'
import type { OutboxMessage, PasskeyRecord, PendingLogin, RecoveryCode, WebAuthnChallenge, RefreshRecord, Session, StoredKey, TotpFactor } from '../auth/index.js'

/** Booleans are stored as 0/1 on every database; times are integer milliseconds unless suffixed `_s`. */
export interface UserTable {
  id: Generated<number>
  username: string
  /** usernameKey(username), unique; null only for an account whose name collided at migration 0002. */
  username_key: string | null
  email: string
  first_name: string
  last_name: string
  password: string | null
  is_active: number
  is_staff: number
  is_superuser: number
  date_joined: number
  last_login: number | null
  email_verified: number
  /** Session-less tokens issued at or before this time (ms) are revoked; set by revokeUserSessions. */
  tokens_not_before: number | null
}

/** These rows are stored exactly as the use cases see them (src/auth/store.ts). */
export type SessionTable = Session
export type RefreshTokenTable = RefreshRecord
export type SigningKeyTable = StoredKey
export type OutboxTable = Omit<OutboxMessage, 'id'> & { id: Generated<number> }

export type TotpTable = TotpFactor
export type RecoveryCodeTable = Omit<RecoveryCode, 'id'> & { id: Generated<number> }
export type PendingLoginTable = PendingLogin
export type PasskeyTable = PasskeyRecord
export type ChallengeTable = WebAuthnChallenge

export interface Database {
  auth_user: UserTable
  auth_session: SessionTable
  auth_refresh_token: RefreshTokenTable
  auth_signing_key: SigningKeyTable
  mail_outbox: OutboxTable
  auth_mfa_totp: TotpTable
  auth_mfa_recovery_code: RecoveryCodeTable
  auth_mfa_pending: PendingLoginTable
  auth_webauthn_credential: PasskeyTable
  auth_webauthn_challenge: ChallengeTable
}
