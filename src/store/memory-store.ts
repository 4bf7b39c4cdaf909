import { randomBytes } from 'node:crypto'
import type { MailStatus, NewMail, NewUser, OutboxMessage, RefreshRecord, RotateOutcome, Session, SessionSeen, Store, StoredKey, User, UserChange, UserPatch } from '../auth/index.js'
import { userRevocationKey } from '../auth/index.js'
import { usernameKey } from '../auth/username.js'
import { StoreUnavailableError, TesseraError } from '../errors.js'
import { MemoryMfaStore } from './memory-mfa-store.js'
import { isUserId, storableAgent, storableSession } from './storable.js'

export interface MemoryStoreOptions {
  /** The clock for `date_joined` when a new user does not bring one (the Kysely store uses the wall clock). */
  now?: () => number
}

const conflict = () => new TesseraError('ERR_CONFLICT', 'already exists')

/**
 * The Store in process memory, for the use-case tests and for trying Tessera without a database. It
 * passes the same contract suite as SQLite and PostgreSQL (test/store/memory.test.ts). Every method
 * runs to completion without yielding, which is what makes each one atomic (the compare-and-set of
 * `rotateRefresh` included); rows go in and come out as copies, so a caller cannot change what is
 * stored by changing what it holds. One process only: nothing is shared between instances or kept
 * across a restart.
 */
export class MemoryStore extends MemoryMfaStore implements Store {
  readonly #users = new Map<number, User>()
  readonly #sessions = new Map<string, Session>()
  readonly #tokens = new Map<string, RefreshRecord>()
  readonly #keys = new Map<string, StoredKey>()
  readonly #outbox = new Map<number, OutboxMessage>()
  /** `auth_user.tokens_not_before`, by user id. */
  readonly #notBefore = new Map<number, number>()
  #lastMailId = 0
  /** The unique index on `auth_user.username_key` (the name without regard to case or width). */
  readonly #idByName = new Map<string, number>()
  readonly #now: () => number
  #lastUserId = 0
  #closed = false

  constructor(options: MemoryStoreOptions = {}) {
    super()
    this.#now = options.now ?? Date.now
  }

  async findUserById(id: number): Promise<User | null> {
    this.#open()
    return isUserId(id) ? copy(this.#users.get(id)) : null
  }

  async findUserByUsername(username: string): Promise<User | null> {
    this.#open()
    const id = this.#idByName.get(usernameKey(username))
    return id === undefined ? null : copy(this.#users.get(id))
  }

  async createUser(user: NewUser, mails?: (created: User) => NewMail[]): Promise<User> {
    this.#open()
    if (this.#idByName.has(usernameKey(user.username)) || (user.id !== undefined && this.#users.has(user.id))) throw conflict()
    // As SQLite's AUTOINCREMENT and Tessera's PostgreSQL sequence do: the next id follows the largest one ever used.
    const id = user.id ?? this.#lastUserId + 1
    const row: User = { ...user, id, email_verified: user.email_verified ?? false, date_joined: user.date_joined ?? this.#now(), last_login: user.last_login ?? null }
    // Rendered before anything is stored: a throw leaves nothing behind, as a rolled-back transaction.
    const queued = mails?.({ ...row }) ?? []
    this.#lastUserId = Math.max(this.#lastUserId, id)
    this.#users.set(id, row)
    this.#idByName.set(usernameKey(row.username), id)
    this.#queue(queued, row.date_joined)
    return { ...row }
  }

  async findUsersByEmail(email: string): Promise<User[]> {
    this.#open()
    const wanted = email.toLowerCase()
    if (wanted === '') return []
    return [...this.#users.values()].filter((u) => u.email.toLowerCase() === wanted).sort((a, b) => a.id - b.id).map((u) => ({ ...u }))
  }

  async updateUser(id: number, patch: UserPatch): Promise<boolean> {
    this.#open()
    const user = isUserId(id) ? this.#users.get(id) : undefined
    if (!user) return false
    if (patch.username !== undefined && patch.username !== user.username) {
      const key = usernameKey(patch.username)
      const holder = this.#idByName.get(key)
      if (holder !== undefined && holder !== id) throw conflict()
      this.#idByName.delete(usernameKey(user.username))
      this.#idByName.set(key, id)
    }
    Object.assign(user, patch)
    return true
  }

  async deleteUser(id: number): Promise<boolean> {
    this.#open()
    const user = isUserId(id) ? this.#users.get(id) : undefined
    if (!user) return false
    // Sessions stay: a deleted user's revoked sessions outlive the user (no foreign key in the schema either).
    this.#users.delete(id)
    this.#idByName.delete(usernameKey(user.username))
    this.dropFactorsOf(id)
    return true
  }

  async createSession(session: Session, token: RefreshRecord): Promise<void> {
    this.#open()
    if (this.#sessions.has(session.id) || this.#tokens.has(token.jti)) throw conflict()
    // The same cleaning as the Kysely store, so both answer alike (PostgreSQL refuses a NUL in text).
    this.#sessions.set(session.id, storableSession(session))
    this.#tokens.set(token.jti, { ...token })
  }

  async findSession(id: string): Promise<Session | null> {
    this.#open()
    return copy(this.#sessions.get(id))
  }

  async findRefresh(jti: string): Promise<RefreshRecord | null> {
    this.#open()
    return copy(this.#tokens.get(jti))
  }

  async rotateRefresh(parentJti: string, successor: RefreshRecord, now: number, seen: SessionSeen): Promise<RotateOutcome> {
    this.#open()
    const parent = this.#tokens.get(parentJti)
    const session = parent && this.#sessions.get(parent.session_id)
    const user = isUserId(successor.user_id) ? copy(this.#users.get(successor.user_id)) : null
    if (user?.is_active && parent && session && parent.used_at === null && parent.revoked_at === null && session.revoked_at === null) {
      if (this.#tokens.has(successor.jti)) throw conflict()
      parent.used_at = now
      parent.successor_jti = successor.jti
      this.#tokens.set(successor.jti, { ...successor })
      const target = this.#sessions.get(successor.session_id)
      if (target) Object.assign(target, { last_used_at: now, expires_at: successor.expires_at_s * 1000 }, storableSeen(seen))
      return { status: 'rotated', user }
    }
    const next = parent?.successor_jti ? this.#tokens.get(parent.successor_jti) : undefined
    return { status: 'conflict', record: copy(parent), successor: copy(next), session: copy(session), user }
  }

  async touchSession(id: string, now: number, seen: SessionSeen): Promise<void> {
    this.#open()
    const session = this.#sessions.get(id)
    if (session) Object.assign(session, { last_used_at: now }, storableSeen(seen))
  }

  async revokeSession(id: string, reason: string, now: number): Promise<boolean> {
    this.#open()
    const session = this.#sessions.get(id)
    const revoked = session !== undefined && session.revoked_at === null
    if (revoked) Object.assign(session, { revoked_at: now, revoke_reason: reason })
    this.#revokeTokensOf(new Set([id]), now)
    return revoked
  }

  async revokeUserSessions(userId: number, reason: string, now: number, keep?: string): Promise<string[]> {
    this.#open()
    const live = [...this.#sessions.values()].filter((s) => s.user_id === userId && s.revoked_at === null && s.id !== keep)
    for (const session of live) Object.assign(session, { revoked_at: now, revoke_reason: reason })
    const ids = live.map((s) => s.id)
    this.#revokeTokensOf(new Set(ids), now)
    if (this.#users.has(userId)) this.#notBefore.set(userId, now)
    return ids
  }

  async listSessions(userId: number, now: number): Promise<Session[]> {
    this.#open()
    return [...this.#sessions.values()]
      .filter((s) => s.user_id === userId && s.revoked_at === null && s.expires_at > now)
      .sort((a, b) => b.last_used_at - a.last_used_at)
      .map((s) => ({ ...s }))
  }

  async revokedSince(since: number): Promise<{ id: string; revoked_at: number }[]> {
    this.#open()
    const sessions = [...this.#sessions.values()].flatMap((s) => (s.revoked_at !== null && s.revoked_at >= since ? [{ id: s.id, revoked_at: s.revoked_at }] : []))
    const users = [...this.#notBefore].flatMap(([id, at]) => (at >= since && this.#users.has(id) ? [{ id: userRevocationKey(id), revoked_at: at }] : []))
    return [...sessions, ...users]
  }

  async flushExpired(now: number): Promise<number> {
    this.#open()
    const nowS = Math.floor(now / 1000)
    let removed = 0
    for (const [jti, token] of this.#tokens) {
      if (token.expires_at_s <= nowS) {
        this.#tokens.delete(jti)
        removed++
      }
    }
    // A session goes once its last token has expired; its remaining tokens go with it (the schema's cascade).
    const gone = new Set<string>()
    for (const [id, session] of this.#sessions) {
      if (session.expires_at <= now) {
        this.#sessions.delete(id)
        gone.add(id)
      }
    }
    for (const [jti, token] of this.#tokens) if (gone.has(token.session_id)) this.#tokens.delete(jti)
    return removed
  }

  async listSigningKeys(now: number): Promise<StoredKey[]> {
    this.#open()
    return [...this.#keys.values()]
      .filter((k) => k.retires_at === null || k.retires_at > now)
      .sort((a, b) => b.created_at - a.created_at)
      .map((k) => ({ ...k }))
  }

  async addSigningKey(key: StoredKey, retireOthersAt: number): Promise<void> {
    this.#open()
    if (this.#keys.has(key.kid)) throw conflict()
    for (const other of this.#keys.values()) if (other.retires_at === null) other.retires_at = retireOthersAt
    this.#keys.set(key.kid, { ...key })
  }

  async updateSigningKeyPrivate(kid: string, privateKey: string): Promise<void> {
    this.#open()
    const key = this.#keys.get(kid)
    if (key) key.private_key = privateKey
  }

  async queueMail(mails: NewMail[], now: number, change?: UserChange): Promise<boolean> {
    this.#open()
    if (change) {
      const user = isUserId(change.id) ? this.#users.get(change.id) : undefined
      if (!user || (change.expectPassword !== undefined && user.password !== change.expectPassword)) return false
      await this.updateUser(change.id, change.patch)
    }
    this.#queue(mails, now)
    return true
  }

  async claimMail(now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]> {
    this.#open()
    const claim = randomBytes(16).toString('hex')
    const due = [...this.#outbox.values()]
      .filter((m) => m.status === 'queued' && m.next_attempt_at <= now && (m.claimed_until === null || m.claimed_until <= now))
      .sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id)
      .slice(0, limit)
    for (const m of due) Object.assign(m, { claim_id: claim, claimed_until: now + leaseMs })
    return due.map((m) => ({ ...m })).sort((a, b) => a.id - b.id)
  }

  async markMailSent(id: number, claimId: string, now: number): Promise<boolean> {
    this.#open()
    const m = this.#outbox.get(id)
    if (!m || m.claim_id !== claimId) return false
    Object.assign(m, { status: 'sent', sent_at: now, claim_id: null, claimed_until: null, attempts: m.attempts + 1, last_error: null })
    return true
  }

  async markMailFailed(id: number, claimId: string, error: string, retryAt: number | null): Promise<boolean> {
    this.#open()
    const m = this.#outbox.get(id)
    if (!m || m.claim_id !== claimId) return false
    Object.assign(m, { status: retryAt === null ? 'dead' : 'queued', next_attempt_at: retryAt ?? m.next_attempt_at, claim_id: null, claimed_until: null, attempts: m.attempts + 1, last_error: error.slice(0, 1000) })
    return true
  }

  async mailCounts(): Promise<Record<MailStatus, number>> {
    this.#open()
    const counts: Record<MailStatus, number> = { queued: 0, sent: 0, dead: 0 }
    for (const m of this.#outbox.values()) counts[m.status]++
    return counts
  }

  async listMail(status: MailStatus | null, limit: number): Promise<OutboxMessage[]> {
    this.#open()
    return [...this.#outbox.values()].filter((m) => status === null || m.status === status).sort((a, b) => b.id - a.id).slice(0, limit).map((m) => ({ ...m }))
  }

  async retryMail(id: number, now: number): Promise<boolean> {
    this.#open()
    const m = this.#outbox.get(id)
    if (!m || m.status === 'sent') return false
    Object.assign(m, { status: 'queued', attempts: 0, next_attempt_at: now, claim_id: null, claimed_until: null })
    return true
  }

  async purgeSentMail(before: number): Promise<number> {
    this.#open()
    let removed = 0
    for (const [id, m] of this.#outbox) {
      if (m.status === 'sent' && m.sent_at !== null && m.sent_at < before) {
        this.#outbox.delete(id)
        removed++
      }
    }
    return removed
  }

  async deleteAccount(userId: number, mails: NewMail[], now: number): Promise<boolean> {
    this.#open()
    const user = isUserId(userId) ? this.#users.get(userId) : undefined
    if (!user) return false
    this.#users.delete(userId)
    this.#idByName.delete(usernameKey(user.username))
    this.dropFactorsOf(userId)
    for (const [jti, token] of this.#tokens) if (token.user_id === userId) this.#tokens.delete(jti)
    for (const session of this.#sessions.values()) if (session.user_id === userId) Object.assign(session, { ip: '', user_agent: '' })
    for (const [id, m] of this.#outbox) if (m.user_id === userId) this.#outbox.delete(id)
    this.#queue(mails, now)
    return true
  }

  protected queueMails(mails: NewMail[], now: number): void {
    this.#queue(mails, now)
  }

  protected assertOpen(): void {
    this.#open()
  }

  #queue(mails: NewMail[], now: number): void {
    for (const mail of mails) {
      const id = ++this.#lastMailId
      this.#outbox.set(id, { ...mail, id, status: 'queued', attempts: 0, created_at: now, next_attempt_at: now, claim_id: null, claimed_until: null, sent_at: null, last_error: null })
    }
  }

  async ping(): Promise<void> {
    this.#open()
  }

  /** Empties every table (between tests); ids keep counting up, as after a DELETE in SQL. */
  clear(): void {
    for (const table of [this.#users, this.#sessions, this.#tokens, this.#keys, this.#idByName, this.#outbox]) table.clear()
    this.clearFactors()
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  /** A closed store answers as a closed pool does: unavailable, never stale data. */
  #open(): void {
    if (this.#closed) throw new StoreUnavailableError(new Error('the memory store is closed'))
  }

  #revokeTokensOf(sessionIds: ReadonlySet<string>, now: number): void {
    if (sessionIds.size === 0) return
    for (const token of this.#tokens.values()) if (sessionIds.has(token.session_id) && token.revoked_at === null) token.revoked_at = now
  }
}

function copy<T extends object>(row: T | undefined): T | null {
  return row ? { ...row } : null
}

const storableSeen = (seen: SessionSeen): SessionSeen => ({ ...seen, user_agent: storableAgent(seen.user_agent) })
