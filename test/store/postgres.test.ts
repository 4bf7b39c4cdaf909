import assert from 'node:assert/strict'
import { sql } from 'kysely'
import pg from 'pg'
import { test } from 'node:test'
import { StoreUnavailableError } from '../../src/errors.js'
import { openStore } from '../../src/store/index.js'
import { createPgDatabase, pgUnavailable } from '../support/postgres.js'
import { closedPort } from '../support/net.js'
import { storeContract } from './contract.js'

const unavailable = await pgUnavailable()
if (unavailable) {
  test('Store contract on PostgreSQL', { skip: unavailable }, () => {})
} else {
  // Two pools on one database: the peer is another instance.
  storeContract('PostgreSQL', async () => {
    const database = await createPgDatabase('store')
    const main = await openStore(database.url, { poolSize: 10 })
    await main.migrate()
    const peer = await openStore(database.url, { poolSize: 10 })
    return {
      store: main.store,
      peer: peer.store,
      async reset() {
        await sql`truncate auth_refresh_token, auth_session, auth_user, auth_signing_key, mail_outbox restart identity cascade`.execute(main.db)
      },
      async close() {
        await peer.store.close()
        await main.store.close()
        await database.drop()
      },
    }
  })

  test('a rotation that meets a logout holding the session row waits for it, then loses: no deadlock (the session is locked before the token)', async () => {
    const database = await createPgDatabase('store')
    const opened = await openStore(database.url)
    const logout = new pg.Client({ connectionString: database.url })
    try {
      await opened.migrate()
      const user = await opened.store.createUser({ username: 'alice', email: '', first_name: '', last_name: '', password: null, is_active: true, is_staff: false, is_superuser: false })
      const now = Date.now()
      const session = { id: 's1', user_id: user.id, created_at: now, last_used_at: now, user_agent: '', ip: '', expires_at: now + 60_000, revoked_at: null, revoke_reason: null, client_key: '' }
      const token = (jti: string, parent: string | null) => ({ jti, session_id: 's1', user_id: user.id, parent_jti: parent, issued_at_s: 1, expires_at_s: 2, used_at: null, successor_jti: null, revoked_at: null })
      await opened.store.createSession(session, token('t1', null))
      // revokeSession's order, by hand: the session row first, the tokens once the rotation has started.
      await logout.connect()
      await logout.query('begin')
      await logout.query(`update auth_session set revoked_at = $1, revoke_reason = 'logout' where id = 's1'`, [now])
      const rotation = opened.store.rotateRefresh('t1', token('t2', 't1'), now, { ip: '', user_agent: '', client_key: '' })
      await new Promise((resolve) => setTimeout(resolve, 200))
      await logout.query('update auth_refresh_token set revoked_at = $1 where session_id = $2 and revoked_at is null', [now, 's1'])
      await logout.query('commit')
      const outcome = await rotation
      assert.equal(outcome.status, 'conflict')
      assert.equal(await opened.store.findRefresh('t2'), null)
    } finally {
      await logout.end()
      await opened.store.close()
      await database.drop()
    }
  })

  test('a rotation runs as one named prepared statement: parsed once per connection, then only executed', async () => {
    const database = await createPgDatabase('store')
    // One connection, so that pg_prepared_statements (per connection) is the rotations' own.
    const opened = await openStore(database.url, { poolSize: 1 })
    try {
      await opened.migrate()
      const user = await opened.store.createUser({ username: 'alice', email: '', first_name: '', last_name: '', password: null, is_active: true, is_staff: false, is_superuser: false })
      const now = Date.now()
      const token = (jti: string, parent: string | null) => ({ jti, session_id: 's1', user_id: user.id, parent_jti: parent, issued_at_s: 1, expires_at_s: 2, used_at: null, successor_jti: null, revoked_at: null })
      await opened.store.createSession({ id: 's1', user_id: user.id, created_at: now, last_used_at: now, user_agent: '', ip: '', expires_at: now + 60_000, revoked_at: null, revoke_reason: null, client_key: '' }, token('t1', null))
      for (const [parent, next] of [['t1', 't2'], ['t2', 't3'], ['t3', 't4']] as const) {
        assert.equal((await opened.store.rotateRefresh(parent, token(next, parent), now, { ip: '', user_agent: '', client_key: '' })).status, 'rotated')
      }
      const { rows } = await sql<{ name: string; statement: string; plans: number }>`select name, statement, (generic_plans + custom_plans)::int as plans from pg_prepared_statements where statement like '%auth_refresh_token%'`.execute(opened.db)
      assert.equal(rows.length, 1, 'one prepared rotation statement')
      assert.match(rows[0]!.name, /^tessera_\d+$/)
      assert.equal(rows[0]!.plans, 3, 'the three rotations executed the one prepared statement')
    } finally {
      await opened.store.close()
      await database.drop()
    }
  })

  test('PostgreSQL at a closed port: StoreUnavailableError within the connect timeout, never a hang', async () => {
    const opened = await openStore(`postgres://postgres@127.0.0.1:${await closedPort()}/nothing`, { connectTimeout: 500 })
    const started = Date.now()
    await assert.rejects(opened.store.ping(), StoreUnavailableError)
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`)
    await opened.store.close()
  })
}
