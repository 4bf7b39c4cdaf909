import type { Generated } from 'kysely'

/** Booleans are stored as 0/1 on every database; times are integer milliseconds unless suffixed `_s`. */
export interface UserTable {
  id: Generated<number>
  username: string
  email: string
  first_name: string
  last_name: string
  password: string | null
  is_active: number
  is_staff: number
  is_superuser: number
  date_joined: number
  last_login: number | null
}

export interface SessionTable {
  id: string
  user_id: number
  created_at: number
  last_used_at: number
  user_agent: string
  ip: string
  expires_at: number
  revoked_at: number | null
  revoke_reason: string | null
}

export interface RefreshTokenTable {
  jti: string
  session_id: string
  user_id: number
  parent_jti: string | null
  issued_at_s: number
  expires_at_s: number
  used_at: number | null
  successor_jti: string | null
  revoked_at: number | null
}

export interface SigningKeyTable {
  kid: string
  algorithm: string
  private_key: string
  public_key: string
  created_at: number
  retires_at: number | null
}

export interface Database {
  auth_user: UserTable
  auth_session: SessionTable
  auth_refresh_token: RefreshTokenTable
  auth_signing_key: SigningKeyTable
}
