import { PostgresAdapter, sql, type Kysely, type Selectable } from 'kysely'
import type { MailStatus, NewMail, NewUser, OutboxMessage, RefreshRecord, RotateOutcome, Session, SessionSeen, Store, StoredKey, User, UserChange, UserPatch } from '../auth/index.js'
import { userRevocationKey } from '../auth/index.js'
import { usernameKey } from '../auth/username.js'
import type { Database, OutboxTable, UserTable } from './schema.js'
import { KyselyMfaStore } from './kysely-mfa-store.js'
import { newMailRow, numeric } from './rows.js'
import { isUserId, storableAgent, storableSession } from './storable.js'

export { newMailRow }

const bit = (value: boolean): number => (value ? 1 : 0)
/** Every column of auth_user, for the statements that name them (a prepared statement must not `select *`). */
export const USER_COLUMNS = ['id', 'username', 'username_key', 'email', 'first_name', 'last_name', 'password', 'is_active', 'is_staff', 'is_superuser', 'date_joined', 'last_login', 'email_verified', 'tokens_not_before'] as const satisfies readonly (keyof UserTable)[]
// A column added to UserTable and not to the list above fails to compile here.
const allUserColumns: Exclude<keyof UserTable, (typeof USER_COLUMNS)[number]> extends never ? true : never = true
void allUserColumns

export function toUser({ username_key: _key, tokens_not_before: _notBefore, ...row }: Selectable<UserTable>): User {
  return {
    ...row,
    is_active: row.is_active === 1,
    is_staff: row.is_staff === 1,
    is_superuser: row.is_superuser === 1,
    email_verified: row.email_verified === 1,
    date_joined: Number(row.date_joined),
    last_login: row.last_login === null ? null : Number(row.last_login),
  }
}

/** The key is derived here, from the name, so that no caller can store one without the other. */
export function toUserRow(patch: UserPatch): Partial<Omit<UserTable, 'id'>> {
  const { is_active, is_staff, is_superuser, email_verified, ...rest } = patch
  return {
    ...rest,
    ...(rest.username !== undefined && { username_key: usernameKey(rest.username) }),
    ...(is_active !== undefined && { is_active: bit(is_active) }),
    ...(is_staff !== undefined && { is_staff: bit(is_staff) }),
    ...(is_superuser !== undefined && { is_superuser: bit(is_superuser) }),
    ...(email_verified !== undefined && { email_verified: bit(email_verified) }),
  }
}

/** The row a new user becomes (the database picks the id unless one is given). */
export function newUserRow(user: NewUser): Omit<UserTable, 'id'> & { id?: number } {
  const { id, ...fields } = user
  return { ...(toUserRow(fields) as Omit<UserTable, 'id'>), ...(id !== undefined && { id }), email_verified: bit(user.email_verified ?? false), tokens_not_before: null, date_joined: user.date_joined ?? Date.now(), last_login: user.last_login ?? null }
}

export const toMessage = (row: Selectable<OutboxTable>): OutboxMessage => numeric({ ...row }, MAIL_NUMBERS) as OutboxMessage
const MAIL_NUMBERS = ['id', 'user_id', 'attempts', 'created_at', 'next_attempt_at', 'claimed_until', 'sent_at'] as const

const SESSION_TIMES = ['created_at', 'last_used_at', 'expires_at', 'revoked_at'] as const
const TOKEN_TIMES = ['issued_at_s', 'expires_at_s', 'used_at', 'revoked_at'] as const

/**
 * The Store's methods that read the same way on SQLite and PostgreSQL, and PostgreSQL's transactions.
 * SqliteStore and PostgresStore complete it.
 */
export abstract class KyselyStore extends KyselyMfaStore implements Store {
  async findUserById(id: number): Promise<User | null> {
    if (!isUserId(id)) return null
    const row = await this.db.selectFrom('auth_user').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toUser(row) : null
  }

  async findUserByUsername(username: string): Promise<User | null> {
    // PostgreSQL refuses NUL in text (an error, not a miss); no stored name can contain one.
    if (username.includes('\0')) return null
    const row = await this.db.selectFrom('auth_user').selectAll().where('username_key', '=', usernameKey(username)).executeTakeFirst()
    return row ? toUser(row) : null
  }

  async createUser(user: NewUser, mails?: (created: User) => NewMail[]): Promise<User> {
    const insert = async (db: Kysely<Database>) => {
      const created = toUser(await db.insertInto('auth_user').values(newUserRow(user)).returningAll().executeTakeFirstOrThrow())
      const queued = mails?.(created) ?? []
      if (queued.length > 0) await db.insertInto('mail_outbox').values(queued.map((m) => newMailRow(m, created.date_joined))).execute()
      return created
    }
    const created = mails ? await this.db.transaction().execute(insert) : await insert(this.db)
    if (user.id !== undefined && this.db.getExecutor().adapter instanceof PostgresAdapter) await this.bumpUserSequence(user.id)
    return created
  }

  async findUsersByEmail(email: string): Promise<User[]> {
    if (email === '' || email.includes('\0')) return []
    const rows = await this.db.selectFrom('auth_user').selectAll().where(sql<string>`lower(email)`, '=', email.toLowerCase()).orderBy('id').execute()
    return rows.map(toUser)
  }

  /**
   * An explicit id does not advance PostgreSQL's serial sequence, so the next generated id would
   * collide with it. Moves the sequence up to `id`, never down: a concurrent insert may already have
   * taken a higher value. (SQLite's AUTOINCREMENT already follows the largest id.)
   */
  private async bumpUserSequence(id: number): Promise<void> {
    await sql`select setval(pg_get_serial_sequence('auth_user', 'id'), ${id}::bigint)
      where ${id}::bigint > coalesce(pg_sequence_last_value(pg_get_serial_sequence('auth_user', 'id')::regclass), 0)`.execute(this.db)
  }

  async updateUser(id: number, patch: UserPatch): Promise<boolean> {
    if (!isUserId(id)) return false
    const values = toUserRow(patch)
    if (Object.keys(values).length === 0) return true
    const result = await this.db.updateTable('auth_user').set(values).where('id', '=', id).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async deleteUser(id: number): Promise<boolean> {
    if (!isUserId(id)) return false
    const result = await this.db.deleteFrom('auth_user').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async createSession(session: Session, token: RefreshRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('auth_session').values(storableSession(session)).execute()
      await trx.insertInto('auth_refresh_token').values(token).execute()
    })
  }

  async findSession(id: string): Promise<Session | null> {
    const row = await this.db.selectFrom('auth_session').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? numeric(row, SESSION_TIMES) : null
  }

  async findRefresh(jti: string): Promise<RefreshRecord | null> {
    const row = await this.db.selectFrom('auth_refresh_token').selectAll().where('jti', '=', jti).executeTakeFirst()
    return row ? numeric(row, TOKEN_TIMES) : null
  }

  /** Each engine rotates its own way: SqliteStore in one synchronous transaction, PostgresStore in one statement. */
  abstract rotateRefresh(parentJti: string, successor: RefreshRecord, now: number, seen: SessionSeen): Promise<RotateOutcome>

  async touchSession(id: string, now: number, seen: SessionSeen): Promise<void> {
    await this.db.updateTable('auth_session').set({ last_used_at: now, ...seen, user_agent: storableAgent(seen.user_agent) }).where('id', '=', id).execute()
  }

  async revokeSession(id: string, reason: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('auth_session').set({ revoked_at: now, revoke_reason: reason }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
      await trx.updateTable('auth_refresh_token').set({ revoked_at: now }).where('session_id', '=', id).where('revoked_at', 'is', null).execute()
      return Number(result.numUpdatedRows) > 0
    })
  }

  async revokeUserSessions(userId: number, reason: string, now: number, keep?: string): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('auth_session').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null)
      if (keep) query = query.where('id', '!=', keep)
      const ids = (await query.execute()).map((r) => r.id)
      await trx.updateTable('auth_user').set({ tokens_not_before: now }).where('id', '=', userId).execute()
      if (ids.length === 0) return []
      await trx.updateTable('auth_session').set({ revoked_at: now, revoke_reason: reason }).where('id', 'in', ids).where('revoked_at', 'is', null).execute()
      await trx.updateTable('auth_refresh_token').set({ revoked_at: now }).where('session_id', 'in', ids).where('revoked_at', 'is', null).execute()
      return ids
    })
  }

  async listSessions(userId: number, now: number): Promise<Session[]> {
    const rows = await this.db
      .selectFrom('auth_session')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_used_at', 'desc')
      .execute()
    return rows.map((r) => numeric(r, SESSION_TIMES))
  }

  async revokedSince(since: number): Promise<{ id: string; revoked_at: number }[]> {
    const sessions = await this.db.selectFrom('auth_session').select(['id', 'revoked_at']).where('revoked_at', '>=', since).execute()
    const users = await this.db.selectFrom('auth_user').select(['id', 'tokens_not_before']).where('tokens_not_before', '>=', since).execute()
    return [...sessions.map((r) => ({ id: r.id, revoked_at: Number(r.revoked_at) })), ...users.map((r) => ({ id: userRevocationKey(r.id), revoked_at: Number(r.tokens_not_before) }))]
  }

  async flushExpired(now: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const tokens = await trx.deleteFrom('auth_refresh_token').where('expires_at_s', '<=', Math.floor(now / 1000)).executeTakeFirst()
      // A session goes once its last token has expired; a revoked one is kept until then too, so that
      // the revocation set can still be rebuilt from it.
      await trx.deleteFrom('auth_session').where('expires_at', '<=', now).execute()
      return Number(tokens.numDeletedRows)
    })
  }

  async listSigningKeys(now: number): Promise<StoredKey[]> {
    const rows = await this.db
      .selectFrom('auth_signing_key')
      .selectAll()
      .where((eb) => eb.or([eb('retires_at', 'is', null), eb('retires_at', '>', now)]))
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map((r) => ({ ...r, created_at: Number(r.created_at), retires_at: r.retires_at === null ? null : Number(r.retires_at) }))
  }

  async addSigningKey(key: StoredKey, retireOthersAt: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('auth_signing_key').set({ retires_at: retireOthersAt }).where('retires_at', 'is', null).execute()
      await trx.insertInto('auth_signing_key').values(key).execute()
    })
  }

  async updateSigningKeyPrivate(kid: string, privateKey: string): Promise<void> {
    await this.db.updateTable('auth_signing_key').set({ private_key: privateKey }).where('kid', '=', kid).execute()
  }

  async queueMail(mails: NewMail[], now: number, change?: UserChange): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (change) {
        let query = trx.updateTable('auth_user').set(toUserRow(change.patch)).where('id', '=', change.id)
        if (change.expectPassword !== undefined) query = change.expectPassword === null ? query.where('password', 'is', null) : query.where('password', '=', change.expectPassword)
        const result = await query.executeTakeFirst()
        if (Number(result.numUpdatedRows) === 0) return false
      }
      if (mails.length > 0) await trx.insertInto('mail_outbox').values(mails.map((m) => newMailRow(m, now))).execute()
      return true
    })
  }

  /** Each engine claims its own way: SqliteStore in one synchronous transaction, PostgresStore with SKIP LOCKED. */
  abstract claimMail(now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]>

  async markMailSent(id: number, claimId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('mail_outbox')
      .set({ status: 'sent', sent_at: now, claim_id: null, claimed_until: null, attempts: sql`attempts + 1`, last_error: null })
      .where('id', '=', id)
      .where('claim_id', '=', claimId)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async markMailFailed(id: number, claimId: string, error: string, retryAt: number | null): Promise<boolean> {
    const result = await this.db
      .updateTable('mail_outbox')
      .set({ status: retryAt === null ? 'dead' : 'queued', ...(retryAt !== null && { next_attempt_at: retryAt }), claim_id: null, claimed_until: null, attempts: sql`attempts + 1`, last_error: error.slice(0, 1000) })
      .where('id', '=', id)
      .where('claim_id', '=', claimId)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async mailCounts(): Promise<Record<MailStatus, number>> {
    const rows = await this.db.selectFrom('mail_outbox').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute()
    const counts: Record<MailStatus, number> = { queued: 0, sent: 0, dead: 0 }
    for (const row of rows) if (row.status in counts) counts[row.status as MailStatus] = Number(row.n)
    return counts
  }

  async listMail(status: MailStatus | null, limit: number): Promise<OutboxMessage[]> {
    let query = this.db.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').limit(limit)
    if (status) query = query.where('status', '=', status)
    return (await query.execute()).map(toMessage)
  }

  async retryMail(id: number, now: number): Promise<boolean> {
    if (!Number.isSafeInteger(id)) return false
    const result = await this.db
      .updateTable('mail_outbox')
      .set({ status: 'queued', attempts: 0, next_attempt_at: now, claim_id: null, claimed_until: null })
      .where('id', '=', id)
      .where('status', '!=', 'sent')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async purgeSentMail(before: number): Promise<number> {
    const result = await this.db.deleteFrom('mail_outbox').where('status', '=', 'sent').where('sent_at', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async deleteAccount(userId: number, mails: NewMail[], now: number): Promise<boolean> {
    if (!isUserId(userId)) return false
    return this.db.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom('auth_user').where('id', '=', userId).executeTakeFirst()
      if (Number(deleted.numDeletedRows) === 0) return false
      await trx.deleteFrom('auth_refresh_token').where('user_id', '=', userId).execute()
      await trx.updateTable('auth_session').set({ ip: '', user_agent: '' }).where('user_id', '=', userId).execute()
      await trx.deleteFrom('mail_outbox').where('user_id', '=', userId).execute()
      if (mails.length > 0) await trx.insertInto('mail_outbox').values(mails.map((m) => newMailRow(m, now))).execute()
      return true
    })
  }

  #probeTable = false

  /**
   * A write, not just a read: a full disk or a read-only file still answers reads, while every login,
   * refresh and logout fails. One row in `tessera_write_probe`, created on first use (it holds nothing
   * worth a migration).
   */
  async ping(): Promise<void> {
    if (!this.#probeTable) {
      await sql`create table if not exists tessera_write_probe (id integer primary key, probed_at bigint not null)`.execute(this.db).catch((error: unknown) => {
        // Two PostgreSQL instances creating it at once: the loser's "if not exists" can still collide.
        if ((error as { code?: unknown }).code !== '23505' && (error as { code?: unknown }).code !== '42P07') throw error
      })
      this.#probeTable = true
    }
    await sql`insert into tessera_write_probe (id, probed_at) values (1, ${Date.now()}) on conflict (id) do update set probed_at = excluded.probed_at`.execute(this.db)
  }

  async close(): Promise<void> {
    await this.db.destroy()
  }
}
