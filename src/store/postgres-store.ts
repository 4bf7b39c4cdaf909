import { randomBytes } from 'node:crypto'
import { sql, type Selectable } from 'kysely'
import type { OutboxMessage, RefreshRecord, RotateOutcome, SessionSeen } from '../auth/index.js'
import { KyselyStore, toMessage, toUser, USER_COLUMNS } from './kysely-store.js'
import { prepareOnPostgres } from './pg-prepared.js'
import { isUserId, storableAgent } from './storable.js'
import type { OutboxTable, UserTable } from './schema.js'

/** Named, so that the prepared rotation's result keeps its shape when auth_user gains a column. */
const ACCOUNT_COLUMNS = sql.raw(USER_COLUMNS.join(', '))

/**
 * The Store on PostgreSQL. A rotation is one statement, so one round trip, where a transaction of
 * its parts would take six (BEGIN, lock, compare-and-set, insert, bump, COMMIT) while holding the
 * session's row lock across all of them. It runs as a prepared statement: planning its four CTEs
 * cost PostgreSQL more CPU than running them (bench/RESULTS.md).
 */
export class PostgresStore extends KyselyStore {
  /**
   * `locked` takes the session's row lock first, the order revokeSession takes rows in (session, then
   * tokens), so a rotation racing a logout cannot deadlock; it is referenced by `marked`, so it runs
   * before it. Racers wait for that lock; the winner's commit then fails their compare-and-set: an
   * UPDATE that waited re-checks its WHERE against the row's newest version (READ COMMITTED), which
   * has `used_at` set, or `revoked_at` if a logout came first. `inserted` and `bumped` read `marked`,
   * so they happen only for the winner. A loser's statement saw the table as it was when it started,
   * without the winner's successor, so the conflict is read afterwards (replays only). `account` is the
   * user, read in the same statement (a refresh needs it fresh: one round trip instead of two); `locked`
   * takes nothing for a missing or inactive user, so nothing changes for them.
   */
  override async rotateRefresh(parentJti: string, successor: RefreshRecord, now: number, seen: SessionSeen): Promise<RotateOutcome> {
    const s = successor
    // auth_user.id is a 32-bit integer: another number is no user (and would be an error in the statement).
    if (!isUserId(s.user_id)) return { ...(await this.#readConflict(parentJti)), user: null }
    const statement = sql<{ rotated: number } & Partial<Selectable<UserTable>>>`
      with account as (
        select ${ACCOUNT_COLUMNS} from auth_user where id = ${s.user_id}::integer
      ), locked as (
        select id from auth_session where id = ${s.session_id} and revoked_at is null and exists (select 1 from account where is_active = 1) for update
      ), marked as (
        update auth_refresh_token set used_at = ${now}::bigint, successor_jti = ${s.jti}
         where jti = ${parentJti} and used_at is null and revoked_at is null
           and session_id in (select id from locked)
        returning session_id
      ), inserted as (
        insert into auth_refresh_token (jti, session_id, user_id, parent_jti, issued_at_s, expires_at_s, used_at, successor_jti, revoked_at)
        select ${s.jti}, session_id, ${s.user_id}::integer, ${s.parent_jti}::varchar, ${s.issued_at_s}::bigint, ${s.expires_at_s}::bigint, ${s.used_at}::bigint, ${s.successor_jti}::varchar, ${s.revoked_at}::bigint
          from marked
      ), bumped as (
        update auth_session set last_used_at = ${now}::bigint, expires_at = ${s.expires_at_s * 1000}::bigint,
               ip = ${seen.ip}, user_agent = ${storableAgent(seen.user_agent)}, client_key = ${seen.client_key}
         where id in (select session_id from marked)
      )
      select counted.rotated, account.* from (select count(*)::int as rotated from marked) as counted left join account on true`.compile(this.db)
    prepareOnPostgres(statement.sql)
    const result = await this.db.executeQuery(statement)
    const { rotated, ...row } = result.rows[0]!
    const user = row.id == null ? null : toUser(row as Selectable<UserTable>)
    if (rotated === 1) return { status: 'rotated', user }
    return { ...(await this.#readConflict(parentJti)), user }
  }

  /** What a losing rotation reports: the presented token, its successor if any, and its session. */
  async #readConflict(parentJti: string): Promise<Omit<Extract<RotateOutcome, { status: 'conflict' }>, 'user'>> {
    const record = await this.findRefresh(parentJti)
    const successor = record?.successor_jti ? await this.findRefresh(record.successor_jti) : null
    const session = record ? await this.findSession(record.session_id) : null
    return { status: 'conflict', record, successor, session }
  }

  /**
   * Many instances claim at once: SKIP LOCKED lets each take rows no other claimer holds, without
   * waiting, and the lease (`claimed_until`) keeps a claimed row from being taken again while its
   * sender is still talking to the mail server.
   */
  override async claimMail(now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]> {
    const claim = randomBytes(16).toString('hex')
    const result = await sql<Selectable<OutboxTable>>`
      update mail_outbox set claim_id = ${claim}, claimed_until = ${now + leaseMs}::bigint
       where id in (
         select id from mail_outbox
          where status = 'queued' and next_attempt_at <= ${now}::bigint and (claimed_until is null or claimed_until <= ${now}::bigint)
          order by next_attempt_at, id
          limit ${limit}
          for update skip locked)
      returning *`.execute(this.db)
    return result.rows.map(toMessage).sort((a, b) => a.id - b.id)
  }
}
