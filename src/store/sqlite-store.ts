import { randomBytes } from 'node:crypto'
import type { CompiledQuery, Kysely, Selectable } from 'kysely'
import type { NewMail, NewUser, OutboxMessage, RefreshRecord, RotateOutcome, Session, SessionSeen, StoredKey, User, UserChange } from '../auth/index.js'
import { usernameKey } from '../auth/username.js'
import { KyselyStore, newUserRow, toMessage, toUser, toUserRow } from './kysely-store.js'
import { newMailRow } from './rows.js'
import type { Database, OutboxTable, UserTable } from './schema.js'
import type { SqliteDatabase } from './sqlite-database.js'
import { isUserId, storableAgent, storableSession } from './storable.js'

const SESSION_COLUMNS = 'id, user_id, created_at, last_used_at, user_agent, ip, expires_at, revoked_at, revoke_reason, client_key'
const TOKEN_COLUMNS = 'jti, session_id, user_id, parent_jti, issued_at_s, expires_at_s, used_at, successor_jti, revoked_at'

const sessionValues = (s: Session) => [s.id, s.user_id, s.created_at, s.last_used_at, s.user_agent, s.ip, s.expires_at, s.revoked_at, s.revoke_reason, s.client_key]
const MAIL_COLUMNS = 'to_address, user_id, kind, subject, text_body, html_body, status, attempts, created_at, next_attempt_at, claim_id, claimed_until, sent_at, last_error'
const mailValues = (mail: NewMail, now: number) => {
  const m = newMailRow(mail, now)
  return [m.to_address, m.user_id, m.kind, m.subject, m.text_body, m.html_body, m.status, m.attempts, m.created_at, m.next_attempt_at, m.claim_id, m.claimed_until, m.sent_at, m.last_error]
}

const tokenValues = (t: RefreshRecord) => [t.jti, t.session_id, t.user_id, t.parent_jti, t.issued_at_s, t.expires_at_s, t.used_at, t.successor_jti, t.revoked_at]

/**
 * The Store on SQLite. Reads and single-statement writes are KyselyStore's; every method that needs a
 * transaction runs here as one synchronous better-sqlite3 transaction of prepared statements: tens
 * of microseconds, no await inside, so no other request's statement can come between its parts.
 * SQLite has one writer, so the compare-and-set of a rotation holds across processes too.
 */
export class SqliteStore extends KyselyStore {
  constructor(
    db: Kysely<Database>,
    private readonly sqlite: SqliteDatabase,
  ) {
    super(db)
  }

  /** Prepared on first use (the tables exist only once migrated), then kept by SqliteDatabase. */
  #sql(text: string) {
    return this.sqlite.prepare(text)
  }

  override createSession(session: Session, token: RefreshRecord): Promise<void> {
    return this.sqlite.transaction(() => {
      this.#sql(`insert into auth_session (${SESSION_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(sessionValues(storableSession(session)))
      this.#sql(`insert into auth_refresh_token (${TOKEN_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(tokenValues(token))
    })
  }

  /** The second factors' multi-row changes, as one synchronous transaction; the guard is the first statement. */
  protected override atomically(steps: CompiledQuery[], guarded: boolean): Promise<boolean> {
    return this.sqlite.transaction(() => {
      for (const [index, step] of steps.entries()) {
        const { changes } = this.#sql(step.sql).run(step.parameters as unknown[])
        if (index === 0 && guarded && changes === 0) return false
      }
      return true
    })
  }

  override createUser(user: NewUser, mails?: (created: User) => NewMail[]): Promise<User> {
    if (!mails) return super.createUser(user)
    const row = newUserRow(user)
    const columns = Object.keys(row)
    return this.sqlite.transaction(() => {
      const inserted = this.#sql(`insert into auth_user (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) returning id`).get(Object.values(row)) as { id: number }
      const created = this.#user(inserted.id)!
      this.#queue(mails(created), created.date_joined)
      return created
    })
  }

  /** The user as KyselyStore reads it (inside a transaction too). */
  #user(id: number): User | null {
    const row = this.#sql('select * from auth_user where id = ?').get(id) as Selectable<UserTable> | undefined
    return row ? toUser(row) : null
  }

  /**
   * The hot reads (every refresh and login reads a user; rotation conflicts and revocations a session
   * or a token) as prepared statements, without building and compiling a Kysely query each time. A
   * read never waits in WAL mode, so it runs at once, outside the write queue, as Kysely's did.
   */
  #read<T>(read: () => T): Promise<T> {
    try {
      return Promise.resolve(read())
    } catch (error) {
      return Promise.reject(error)
    }
  }

  override findUserById(id: number): Promise<User | null> {
    return this.#read(() => (isUserId(id) ? this.#user(id) : null))
  }

  override findUserByUsername(username: string): Promise<User | null> {
    return this.#read(() => {
      const row = this.#sql('select * from auth_user where username_key = ?').get(usernameKey(username)) as Selectable<UserTable> | undefined
      return row ? toUser(row) : null
    })
  }

  override findSession(id: string): Promise<Session | null> {
    return this.#read(() => (this.#sql('select * from auth_session where id = ?').get(id) as Session | undefined) ?? null)
  }

  override findRefresh(jti: string): Promise<RefreshRecord | null> {
    return this.#read(() => (this.#sql('select * from auth_refresh_token where jti = ?').get(jti) as RefreshRecord | undefined) ?? null)
  }

  #queue(mails: NewMail[], now: number): void {
    for (const mail of mails) this.#sql(`insert into mail_outbox (${MAIL_COLUMNS}) values (${MAIL_COLUMNS.split(',').map(() => '?').join(', ')})`).run(mailValues(mail, now))
  }

  override queueMail(mails: NewMail[], now: number, change?: UserChange): Promise<boolean> {
    return this.sqlite.transaction(() => {
      if (change) {
        const values = toUserRow(change.patch)
        const sets = Object.keys(values).map((column) => `${column} = ?`)
        if (sets.length === 0) sets.push('id = id')
        const guard = change.expectPassword === undefined ? '' : change.expectPassword === null ? ' and password is null' : ' and password = ?'
        const parameters = [...Object.values(values), change.id, ...(typeof change.expectPassword === 'string' ? [change.expectPassword] : [])]
        if (this.#sql(`update auth_user set ${sets.join(', ')} where id = ?${guard}`).run(parameters).changes === 0) return false
      }
      this.#queue(mails, now)
      return true
    })
  }

  /** One statement, so one claimer: SQLite has one writer, and the write queue runs one statement at a time. */
  override claimMail(now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]> {
    const claim = randomBytes(16).toString('hex')
    return this.sqlite.transaction(() => {
      const rows = this.#sql(
        `update mail_outbox set claim_id = ?, claimed_until = ?
          where id in (select id from mail_outbox where status = 'queued' and next_attempt_at <= ? and (claimed_until is null or claimed_until <= ?)
                        order by next_attempt_at, id limit ?)
          returning *`,
      ).all(claim, now + leaseMs, now, now, limit) as Selectable<OutboxTable>[]
      return rows.map(toMessage).sort((a, b) => a.id - b.id)
    })
  }

  override deleteAccount(userId: number, mails: NewMail[], now: number): Promise<boolean> {
    return this.sqlite.transaction(() => {
      if (this.#sql('delete from auth_user where id = ?').run(userId).changes === 0) return false
      this.#sql('delete from auth_refresh_token where user_id = ?').run(userId)
      this.#sql("update auth_session set ip = '', user_agent = '' where user_id = ?").run(userId)
      this.#sql('delete from mail_outbox where user_id = ?').run(userId)
      this.#queue(mails, now)
      return true
    })
  }

  override rotateRefresh(parentJti: string, successor: RefreshRecord, now: number, seen: SessionSeen): Promise<RotateOutcome> {
    return this.sqlite.transaction((): RotateOutcome => {
      const user = isUserId(successor.user_id) ? this.#user(successor.user_id) : null
      // The compare-and-set: only one caller flips `used_at` from null, and only while the token and
      // its session are unrevoked and the user active.
      const marked =
        user?.is_active === true &&
        this.#sql(
          `update auth_refresh_token set used_at = ?, successor_jti = ?
            where jti = ? and used_at is null and revoked_at is null
              and exists (select 1 from auth_session where auth_session.id = auth_refresh_token.session_id and auth_session.revoked_at is null)`,
        ).run(now, successor.jti, parentJti).changes === 1
      if (marked) {
        this.#sql(`insert into auth_refresh_token (${TOKEN_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(tokenValues(successor))
        this.#sql('update auth_session set last_used_at = ?, expires_at = ?, ip = ?, user_agent = ?, client_key = ? where id = ?').run(now, successor.expires_at_s * 1000, seen.ip, storableAgent(seen.user_agent), seen.client_key, successor.session_id)
        return { status: 'rotated', user }
      }
      const token = (jti: string) => (this.#sql('select * from auth_refresh_token where jti = ?').get(jti) as RefreshRecord | undefined) ?? null
      const record = token(parentJti)
      const next = record?.successor_jti ? token(record.successor_jti) : null
      const session = record ? ((this.#sql('select * from auth_session where id = ?').get(record.session_id) as Session | undefined) ?? null) : null
      return { status: 'conflict', record, successor: next, session, user }
    })
  }

  override async touchSession(id: string, now: number, seen: SessionSeen): Promise<void> {
    const statement = this.#sql('update auth_session set last_used_at = ?, ip = ?, user_agent = ?, client_key = ? where id = ?')
    await this.sqlite.queue.run(() => statement.run(now, seen.ip, storableAgent(seen.user_agent), seen.client_key, id))
  }

  override revokeSession(id: string, reason: string, now: number): Promise<boolean> {
    return this.sqlite.transaction(() => this.#revoke(id, reason, now))
  }

  override revokeUserSessions(userId: number, reason: string, now: number, keep?: string): Promise<string[]> {
    return this.sqlite.transaction(() => {
      const live = this.#sql('select id from auth_session where user_id = ? and revoked_at is null').all(userId) as { id: string }[]
      const ids = live.map((row) => row.id).filter((id) => id !== keep)
      for (const id of ids) this.#revoke(id, reason, now)
      this.#sql('update auth_user set tokens_not_before = ? where id = ?').run(now, userId)
      return ids
    })
  }

  /** Inside a transaction: the session, then every token of it (the order rotations take them in). */
  #revoke(id: string, reason: string, now: number): boolean {
    const session = this.#sql('update auth_session set revoked_at = ?, revoke_reason = ? where id = ? and revoked_at is null').run(now, reason, id)
    this.#sql('update auth_refresh_token set revoked_at = ? where session_id = ? and revoked_at is null').run(now, id)
    return session.changes > 0
  }

  override flushExpired(now: number): Promise<number> {
    return this.sqlite.transaction(() => {
      const tokens = this.#sql('delete from auth_refresh_token where expires_at_s <= ?').run(Math.floor(now / 1000))
      // A session goes once its last token has expired; a revoked one is kept until then too, so that
      // the revocation set can still be rebuilt from it.
      this.#sql('delete from auth_session where expires_at <= ?').run(now)
      return tokens.changes
    })
  }

  override addSigningKey(key: StoredKey, retireOthersAt: number): Promise<void> {
    return this.sqlite.transaction(() => {
      this.#sql('update auth_signing_key set retires_at = ? where retires_at is null').run(retireOthersAt)
      this.#sql('insert into auth_signing_key (kid, algorithm, private_key, public_key, created_at, retires_at) values (?, ?, ?, ?, ?, ?)').run(key.kid, key.algorithm, key.private_key, key.public_key, key.created_at, key.retires_at)
    })
  }
}
