/**
 * Prepares a database before its server starts: users made through the service, then sessions made
 * the way a login makes them (a session row, its first refresh-token row, tokens signed by the
 * server's key ring), but written in batches so that 100,000 of them take seconds. The tokens go to a
 * pool file for the load generator.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { refreshRecord } from '../../src/auth/login.js'
import type { RefreshRecord, Session } from '../../src/auth/index.js'
import { resolveConfig } from '../../src/config/index.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import { generateSecret, maskSecret } from '../../src/csrf/index.js'
import { openStore, type OpenedStore } from '../../src/store/index.js'
import type { Pool, PoolSession } from '../child/shapes.js'

export interface SeedPlan {
  /** Users that own the sessions; they never log in, so their hashes use cheap argon2 (see RESULTS.md). */
  users: number
  /** Live sessions, all in the pool file. */
  sessions: number
  /** Extra sessions revoked a minute ago: the revocation set loads them at start. */
  revoked?: number
  /** A user with a real OWASP-cost hash, for login requests. */
  loginUser?: boolean
}

export const LOGIN = { username: 'bench-login', password: 'correct horse battery staple' }
const BATCH = 1000

async function insertSessions(opened: OpenedStore, rows: { session: Session; token: RefreshRecord }[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH)
    // No transaction: nothing reads the database before the seed is done (and SQLite's Kysely runs none).
    await opened.db.insertInto('auth_session').values(batch.map((r) => r.session)).execute()
    await opened.db.insertInto('auth_refresh_token').values(batch.map((r) => r.token)).execute()
  }
}

function makeSession(tessera: Runtime, userId: number, now: number, revokedAt: number | null): { row: { session: Session; token: RefreshRecord }; tokens: PoolSession } {
  const sid = randomBytes(16).toString('base64url')
  const refresh = tessera.tokens.issue('refresh', userId, sid)
  const access = tessera.tokens.issue('access', userId, sid)
  const session: Session = {
    id: sid,
    user_id: userId,
    created_at: now,
    last_used_at: now,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) tessera-bench',
    ip: '127.0.0.1',
    expires_at: refresh.claims.exp * 1000,
    revoked_at: revokedAt,
    revoke_reason: revokedAt === null ? null : 'logout',
    client_key: '',
  }
  const token = { ...refreshRecord(refresh, sid, userId, null), revoked_at: revokedAt }
  const csrf = generateSecret()
  return { row: { session, token }, tokens: { access: access.token, refresh: refresh.token, csrf, masked: maskSecret(csrf) } }
}

/** Seeds the database that `env` names and writes the pool to `poolFile`. Returns the pool's size. */
export async function seed(env: Record<string, string>, plan: SeedPlan, poolFile: string): Promise<{ sessions: number; revoked: number; users: number }> {
  const config = resolveConfig(env)
  const opened = await openStore(config.database.url)
  try {
    await opened.migrate()
    const tessera = await createRuntime(config, { store: opened.store, background: 'none' })
    // Cheap hashing for the pool users only: `development` allows it, and nothing ever verifies them.
    const cheapConfig = resolveConfig({ ...env, NODE_ENV: 'development', ARGON2_MEMORY_COST: '1024', ARGON2_TIME_COST: '1' })
    const cheap = await createRuntime(cheapConfig, { store: opened.store, background: 'none' })
    const ids: number[] = []
    for (let i = 0; i < plan.users; i++) {
      const user = await cheap.auth.createUser({ username: `user${i}`, password: randomBytes(12).toString('base64url'), first_name: 'Bench', last_name: `User ${i}` }, false)
      ids.push(user.id)
    }
    if (plan.loginUser) await tessera.auth.createUser({ ...LOGIN, first_name: 'Login', last_name: 'Bench' }, false)

    const now = Date.now()
    const pool: Pool = { sessions: [], ...(plan.loginUser && { login: LOGIN }) }
    const rows: { session: Session; token: RefreshRecord }[] = []
    const revoked = plan.revoked ?? 0
    for (let i = 0; i < plan.sessions + revoked; i++) {
      const dead = i < revoked
      const made = makeSession(tessera, ids[i % ids.length]!, now, dead ? now - 60_000 : null)
      rows.push(made.row)
      if (!dead) pool.sessions.push(made.tokens)
    }
    await insertSessions(opened, rows)
    writeFileSync(poolFile, JSON.stringify(pool))
    return { sessions: pool.sessions.length, revoked, users: ids.length }
  } finally {
    await opened.store.close()
  }
}
