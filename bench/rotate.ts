/**
 * The write path at the store, without HTTP: login's session insert, a rotation, a logout, each N
 * times, one after another (wall and process CPU per operation), and on PostgreSQL rotations with 32
 * in flight (wall per rotation = 1 / throughput). Runs against the store `openStore` builds, so the
 * same file measures any commit: `node --import tsx bench/rotate.ts [sqlite|postgres] [N]`.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RefreshRecord, Session, Store } from '../src/auth/index.js'
import { openStore } from '../src/store/index.js'
import { createPgDatabase } from '../test/support/postgres.js'

const engine = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite'
const N = Number(process.argv[3] ?? 5000)
const now = Date.now()
const hex = () => randomBytes(16).toString('hex')

function token(session: Session, parent: string | null): RefreshRecord {
  return { jti: hex(), session_id: session.id, user_id: session.user_id, parent_jti: parent, issued_at_s: Math.floor(now / 1000), expires_at_s: Math.floor(now / 1000) + 86_400, used_at: null, successor_jti: null, revoked_at: null }
}

/** Runs `op` for each item, `inFlight` at a time; returns µs of wall and of CPU per item. */
async function measure<T>(items: T[], op: (item: T) => Promise<unknown>, inFlight = 1): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < items.length) await op(items[next++]!)
  }))
  const used = process.cpuUsage(cpu)
  return { wall: ((performance.now() - started) * 1000) / items.length, cpu: (used.user + used.system) / items.length }
}

const SEEN = { ip: '127.0.0.1', user_agent: 'bench', client_key: 'bench' }

async function run(store: Store): Promise<Record<string, { wall: number; cpu: number }>> {
  const user = await store.createUser({ username: `bench${hex()}`, email: '', first_name: '', last_name: '', password: null, is_active: true, is_staff: false, is_superuser: false })
  const make = (): { session: Session; first: RefreshRecord } => {
    const session: Session = { id: hex(), user_id: user.id, created_at: now, last_used_at: now, user_agent: 'bench', ip: '127.0.0.1', expires_at: now + 86_400_000, revoked_at: null, revoke_reason: null, client_key: '' }
    return { session, first: token(session, null) }
  }
  const sessions = Array.from({ length: N }, make)
  const results: Record<string, { wall: number; cpu: number }> = {}
  results['login session insert'] = await measure(sessions, (s) => store.createSession(s.session, s.first))
  results.rotation = await measure(sessions, (s) => store.rotateRefresh(s.first.jti, token(s.session, s.first.jti), now + 1, SEEN))
  results.logout = await measure(sessions, (s) => store.revokeSession(s.session.id, 'logout', now + 2))
  if (engine === 'postgres') {
    const more = Array.from({ length: N }, make)
    for (const s of more) await store.createSession(s.session, s.first)
    results['rotation, 32 in flight'] = await measure(more, (s) => store.rotateRefresh(s.first.jti, token(s.session, s.first.jti), now + 1, SEEN), 32)
  }
  return results
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-rotate-'))
const pg = engine === 'postgres' ? await createPgDatabase('bench') : undefined
const opened = await openStore(pg?.url ?? join(dir, 'db.sqlite3'), { poolSize: 10 })
try {
  await opened.migrate()
  await run(opened.store) // warm-up: JIT, prepared statements, pool connections
  const results = await run(opened.store)
  console.log(`${engine}, N = ${N} (after a warm-up run of the same size)`)
  for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(24)} ${r.wall.toFixed(0).padStart(6)} µs wall  ${r.cpu.toFixed(0).padStart(6)} µs CPU  per operation`)
} finally {
  await opened.store.close()
  await pg?.drop()
  rmSync(dir, { recursive: true, force: true })
}
