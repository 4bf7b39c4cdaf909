import type { MfaStore } from './mfa-store.js'

/**
 * What the use cases need from a database. `src/store/` implements it for SQLite and PostgreSQL (and in memory), and
 * one contract test suite runs against all three. Times are milliseconds since the epoch unless named `*_s`.
 * An expected miss returns `null`; only an unreachable database throws (StoreUnavailableError).
 */
export interface User {
  id: number
  username: string
  email: string
  first_name: string
  last_name: string
  /** The encoded hash (Tessera's argon2id or a Django format); null for no usable password. */
  password: string | null
  is_active: boolean
  is_staff: boolean
  is_superuser: boolean
  date_joined: number
  last_login: number | null
  /** Whether `email` was confirmed by a link mailed to it (django-allauth's EmailAddress.verified). */
  email_verified: boolean
}

/** A user without the password hash: what the user cache holds and what a host is handed. */
export type UserInfo = Readonly<Omit<User, 'password'>>

/**
 * A user to create. `id` is for imports that must keep another system's ids (Django's: its tokens name
 * users by id); without it the database picks the next one.
 */
export type NewUser = Omit<User, 'id' | 'last_login' | 'date_joined' | 'email_verified'> & { id?: number; date_joined?: number; last_login?: number | null; email_verified?: boolean }
export type UserPatch = Partial<Omit<User, 'id'>>

/** A login: one token family. */
export interface Session {
  id: string
  user_id: number
  created_at: number
  last_used_at: number
  user_agent: string
  ip: string
  /** When the family's last refresh token expires. */
  expires_at: number
  revoked_at: number | null
  revoke_reason: string | null
  /**
   * Who last used the session (clientKey in auth/client.ts: the CSRF secret and User-Agent, keyed): a
   * retried refresh from the same client is a lost reply, from anyone else a replay. '' for sessions
   * from before migration 0003, which fall back to the User-Agent within the grace window.
   */
  client_key: string
}

/** What a refresh records about the client that made it: `ip` and `user_agent` are "last seen". */
export type SessionSeen = Pick<Session, 'ip' | 'user_agent' | 'client_key'>

/** One issued refresh token ("outstanding" in SimpleJWT's words). */
export interface RefreshRecord {
  jti: string
  session_id: string
  user_id: number
  parent_jti: string | null
  /** Seconds, as in the token's `iat`/`exp`, so the token can be re-signed identically. */
  issued_at_s: number
  expires_at_s: number
  used_at: number | null
  successor_jti: string | null
  revoked_at: number | null
}

export type RotateOutcome = (
  | { status: 'rotated' }
  /**
   * Nothing changed: the presented token was already used or revoked, its session is gone, or its user is
   * missing or inactive. The caller decides.
   */
  | { status: 'conflict'; record: RefreshRecord | null; successor: RefreshRecord | null; session: Session | null }
) & {
  /** The successor's user (`successor.user_id`) as the rotation read it, in the same transaction; null when missing. */
  user: User | null
}

export interface UserStore {
  findUserById(id: number): Promise<User | null>
  /** By the canonical key (usernameKey): `CAROL` and `ｃａｒｏｌ` find `carol`. */
  findUserByUsername(username: string): Promise<User | null>
  /**
   * Throws TesseraError ERR_CONFLICT when the username is taken, in any case or width. `mails`, given the
   * new row, are queued in the same transaction (a registration's confirmation).
   */
  createUser(user: NewUser, mails?: (created: User) => NewMail[]): Promise<User>
  updateUser(id: number, patch: UserPatch): Promise<boolean>
  deleteUser(id: number): Promise<boolean>
  /** Users whose email is `email` without regard to case (Django's `email__iexact`), by id. */
  findUsersByEmail(email: string): Promise<User[]>
}

export interface SessionStore {
  /** Opens a session with its first refresh token, in one transaction. */
  createSession(session: Session, token: RefreshRecord): Promise<void>
  findSession(id: string): Promise<Session | null>
  findRefresh(jti: string): Promise<RefreshRecord | null>
  /**
   * Marks `parentJti` used and records `successor`, atomically and only if the parent is unused,
   * unrevoked, its session alive and its user (`successor.user_id`) existing and active (compare-and-set:
   * holds across processes). Also bumps the session's `last_used_at` and `expires_at`, and records `seen`
   * on it. The user is read with the rotation (on PostgreSQL in the same statement: one round trip per refresh).
   */
  rotateRefresh(parentJti: string, successor: RefreshRecord, now: number, seen: SessionSeen): Promise<RotateOutcome>
  /** Bumps `last_used_at` and records `seen` (refresh without rotation). */
  touchSession(id: string, now: number, seen: SessionSeen): Promise<void>
  /** Revokes the session and blacklists every token in it. Returns false when it was already revoked or absent. */
  revokeSession(id: string, reason: string, now: number): Promise<boolean>
  /**
   * Revokes every live session of a user except `keep`, and sets the user's "not before" time for
   * session-less tokens to `now`; returns the session ids revoked.
   */
  revokeUserSessions(userId: number, reason: string, now: number, keep?: string): Promise<string[]>
  /** Live sessions of a user, newest first. */
  listSessions(userId: number, now: number): Promise<Session[]>
  /**
   * Sessions revoked at or after `since`, and users whose "not before" time is (as `userRevocationKey`),
   * for the in-memory revocation set.
   */
  revokedSince(since: number): Promise<{ id: string; revoked_at: number }[]>
  /** Deletes sessions and tokens whose refresh lifetime is over; returns the number of tokens removed. */
  flushExpired(now: number): Promise<number>
}

/** An asymmetric signing key kept in the database, so every instance signs and verifies with the same ring. */
export interface StoredKey {
  kid: string
  algorithm: string
  private_key: string
  public_key: string
  created_at: number
  /** After this the key no longer verifies; null while it is current or in its grace period is open-ended. */
  retires_at: number | null
}

export interface KeyStore {
  /** Keys that still verify at `now`, newest first. */
  listSigningKeys(now: number): Promise<StoredKey[]>
  /** Adds `key` as the newest; every older key without an end gets `retireOthersAt`. */
  addSigningKey(key: StoredKey, retireOthersAt: number): Promise<void>
  /** Replaces a key's stored private half (sealing it under a new SECRET_KEY); no-op for an unknown kid. */
  updateSigningKeyPrivate(kid: string, privateKey: string): Promise<void>
}

export type MailStatus = 'queued' | 'sent' | 'dead'

/** A message to queue: rendered already, so the sender needs nothing but the row. */
export interface NewMail {
  to_address: string
  /** The account it is about, or null: deleting that account deletes the row. */
  user_id: number | null
  /** The template it came from (`password_reset`, ...), for the operator's listing. */
  kind: string
  subject: string
  text_body: string
  html_body: string
}

/** A row of the outbox. */
export interface OutboxMessage extends NewMail {
  id: number
  status: MailStatus
  attempts: number
  created_at: number
  next_attempt_at: number
  /** Who holds it now (a random id per claim) and until when; a claim past its lease can be taken again. */
  claim_id: string | null
  claimed_until: number | null
  sent_at: number | null
  last_error: string | null
}

/** A change of one user row that commits with the mail it causes. */
export interface UserChange {
  id: number
  patch: UserPatch
  /** Applied only while the stored hash is still this one: a reset token is then used once, even by racers. */
  expectPassword?: string | null
}

/** The durable outbox: a message commits with the change that causes it; one claimer at a time delivers it. */
export interface MailStore {
  /**
   * Queues `mails` and applies `change` in one transaction. False, with nothing queued or changed, when
   * the change matched no row (absent user, or a password that is no longer `expectPassword`).
   */
  queueMail(mails: NewMail[], now: number, change?: UserChange): Promise<boolean>
  /**
   * Claims up to `limit` queued messages that are due at `now` and not held by a live claim, for
   * `leaseMs`; every instance may call it at once and each message goes to one of them.
   */
  claimMail(now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]>
  /** Marks a claimed message sent; false when the claim `claimId` no longer holds it. */
  markMailSent(id: number, claimId: string, now: number): Promise<boolean>
  /** Records a failed attempt: queued again at `retryAt`, or dead when `retryAt` is null. */
  markMailFailed(id: number, claimId: string, error: string, retryAt: number | null): Promise<boolean>
  mailCounts(): Promise<Record<MailStatus, number>>
  /** Newest first; `status` null lists every status. */
  listMail(status: MailStatus | null, limit: number): Promise<OutboxMessage[]>
  /** Queues a dead (or queued) message again, due now, with its attempts reset. */
  retryMail(id: number, now: number): Promise<boolean>
  /** Deletes sent messages older than `before`; returns how many. */
  purgeSentMail(before: number): Promise<number>
  /**
   * Deletes the user and what is theirs, in one transaction: the user row, their refresh tokens and
   * every outbox row about them; their sessions are kept (already revoked, so every instance can still
   * refuse their access tokens until those expire) without IP and User-Agent. Queues `mails`.
   */
  deleteAccount(userId: number, mails: NewMail[], now: number): Promise<boolean>
}

export interface Store extends UserStore, SessionStore, KeyStore, MailStore, MfaStore {
  /** Cheap round trip, for readiness. */
  ping(): Promise<void>
  close(): Promise<void>
}
