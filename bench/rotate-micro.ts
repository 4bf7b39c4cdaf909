/**
 * A rotation through the store alone (no HTTP): CPU and wall time per rotateRefresh over N seeded
 * sessions, the slowest rotations, and (SQLite) the WAL's size. C rotations are in flight at once
 * (C=1: one after the other), as C clients of a server would have them.
 *   node --import tsx bench/rotate-micro.ts            # SQLite as the server runs it (checkpoints on the worker)
 *   C=16 node --import tsx bench/rotate-micro.ts       # 16 at once: the rotations of a turn share a commit
 *   NOCKPT=1 node --import tsx bench/rotate-micro.ts   # without the worker: SQLite checkpoints in the commit
 *   PRAGMA='wal_autocheckpoint=0' ...                  # extra pragmas on the main connection (`;`-separated)
 *   PG=1 C=16 node --import tsx bench/rotate-micro.ts  # PostgreSQL (a throwaway database on 127.0.0.1),
 *                                                      # with the postgres processes' CPU
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { refreshRecord } from '../src/auth/login.js'
import { resolveConfig } from '../src/config/index.js'
import { createRuntime } from '../src/runtime.js'
import { openStore } from '../src/store/index.js'

const N = Number(process.env.N ?? 20000)
const C = Number(process.env.C ?? 1)
const onPostgres = Boolean(process.env.PG)

/** CPU µs of every postgres process (user + sys, from /proc; clock ticks of 10 ms). */
function postgresCpu(): number {
  let ticks = 0
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      if (!stat.includes('(postgres)')) continue
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {} // the process is gone
  }
  return ticks * 10_000
}

const dir = mkdtempSync(join(tmpdir(), 'rot-'))
const admin = onPostgres ? new pg.Client('postgres://postgres@127.0.0.1:5432/postgres') : undefined
const pgName = `rotate_micro_${randomBytes(4).toString('hex')}`
await admin?.connect()
await admin?.query(`create database ${pgName}`)
try {
  const url = onPostgres ? `postgres://postgres@127.0.0.1:5432/${pgName}` : join(dir, 'db.sqlite3')
  const config = resolveConfig({ NODE_ENV: 'development', SECRET_KEY: 'x'.repeat(64), DATABASE_URL: url, DATA_DIR: dir })
  const opened = await openStore(config.database.url)
  await opened.migrate()
  if (process.env.PRAGMA) for (const p of process.env.PRAGMA.split(';')) opened.sqlite!.connection.pragma(p)
  const rt = await createRuntime(config, { store: opened.store, background: 'none' })
  const user = await rt.auth.createUser({ username: 'u', password: randomBytes(12).toString('base64url') }, false)
  const now = Date.now()
  const toks: ReturnType<typeof rt.tokens.issue>[] = []
  const rows = []
  for (let i = 0; i < N; i++) {
    const sid = randomBytes(16).toString('base64url')
    const refresh = rt.tokens.issue('refresh', user.id, sid)
    rows.push({ session: { id: sid, user_id: user.id, created_at: now, last_used_at: now, user_agent: 'ua', ip: '127.0.0.1', expires_at: refresh.claims.exp * 1000, revoked_at: null, revoke_reason: null, client_key: '' }, token: refreshRecord(refresh, sid, user.id, null) })
    toks.push(refresh)
  }
  for (let i = 0; i < rows.length; i += 1000) {
    const b = rows.slice(i, i + 1000)
    await opened.db.insertInto('auth_session').values(b.map((r) => r.session)).execute()
    await opened.db.insertInto('auth_refresh_token').values(b.map((r) => r.token)).execute()
  }
  const seen = { ip: '127.0.0.1', user_agent: 'Mozilla/5.0 bench', client_key: 'k'.repeat(43) }
  const store = opened.store
  if (process.env.NOCKPT) await opened.sqlite!.checkpointer!.close()
  const c0 = process.cpuUsage()
  const p0 = postgresCpu()
  const t0 = performance.now()
  const slow: number[] = []
  let next = 0
  const rotator = async () => {
    while (next < N) {
      const t = toks[next++]!
      const r0 = performance.now()
      const successor = rt.tokens.issue('refresh', user.id, t.claims.sid!)
      const out = await store.rotateRefresh(t.claims.jti, refreshRecord(successor, t.claims.sid!, user.id, t.claims.jti), Date.now(), seen)
      if (out.status !== 'rotated') throw new Error('conflict')
      slow.push(performance.now() - r0)
      if (C === 1 && next % 50 === 0) await new Promise((r) => setImmediate(r))
    }
  }
  await Promise.all(Array.from({ length: C }, rotator))
  const c = process.cpuUsage(c0)
  const wall = performance.now() - t0
  const pgCpu = postgresCpu() - p0
  const postgres = onPostgres ? `, postgres ${(pgCpu / N).toFixed(0)} µs CPU` : ''
  console.log(`rotate C=${C}: ${((c.user + c.system) / N).toFixed(1)} µs CPU (user ${(c.user / N).toFixed(1)}, sys ${(c.system / N).toFixed(1)}), ${((wall * 1000) / N).toFixed(1)} µs wall per rotation (incl. signing the successor), ${((N * 1000) / wall).toFixed(0)}/s${postgres}`)
  slow.sort((a, b) => b - a)
  console.log('slowest rotations (ms):', slow.slice(0, 5).map((x) => x.toFixed(1)).join(' '), 'p99', slow[Math.floor(slow.length / 100)]!.toFixed(2))
  if (!onPostgres) console.log('checkpoints', opened.sqlite!.checkpointer?.done, 'wal bytes', statSync(`${config.database.url}-wal`).size, 'rss MB', (process.memoryUsage().rss / 1e6).toFixed(0))
  await store.close()
} finally {
  await admin?.query(`drop database ${pgName} with (force)`)
  await admin?.end()
  rmSync(dir, { recursive: true, force: true })
}
