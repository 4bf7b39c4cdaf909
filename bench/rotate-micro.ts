/**
 * A rotation through the store alone (no HTTP): CPU (user + sys, all threads) and wall time per
 * rotateRefresh over N seeded sessions on a SQLite file, the slowest rotations, and the WAL's size.
 *   node --import tsx bench/rotate-micro.ts            # as the server runs it (checkpoints on the worker)
 *   NOCKPT=1 node --import tsx bench/rotate-micro.ts   # without the worker: SQLite checkpoints in the commit
 *   PRAGMA='wal_autocheckpoint=0' ...                  # extra pragmas on the main connection (`;`-separated)
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { refreshRecord } from '../src/auth/login.js'
import { resolveConfig } from '../src/config/index.js'
import { createRuntime } from '../src/runtime.js'
import { openStore } from '../src/store/index.js'

const N = Number(process.env.N ?? 20000)
const dir = mkdtempSync(join(tmpdir(), 'rot-'))
const env = { NODE_ENV: 'development', SECRET_KEY: 'x'.repeat(64), DATABASE_URL: join(dir, 'db.sqlite3'), DATA_DIR: dir }
const config = resolveConfig(env)
const opened = await openStore(config.database.url)
await opened.migrate()
if (process.env.PRAGMA) for (const p of process.env.PRAGMA.split(';')) opened.sqlite!.connection.pragma(p)
const rt = await createRuntime(config, { store: opened.store, background: 'none' })
const user = await rt.auth.createUser({ username: 'u', password: randomBytes(12).toString('base64url') }, false)
const now = Date.now()
const toks = []
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
let writes = 0
const c0 = process.cpuUsage(); const t0 = performance.now()
const slow: number[] = []
for (const t of toks) {
  const r0 = performance.now()
  const succ = rt.tokens.issue('refresh', user.id, t.claims.sid!)
  const out = await store.rotateRefresh(t.claims.jti, refreshRecord(succ, t.claims.sid!, user.id, t.claims.jti), Date.now(), seen)
  if (out.status !== 'rotated') throw new Error('conflict')
  slow.push(performance.now() - r0)
  if (++writes % 50 === 0) await new Promise((r) => setImmediate(r))
}
const c = process.cpuUsage(c0); const wall = performance.now() - t0
console.log(`rotate: ${((c.user + c.system) / N).toFixed(1)} µs CPU (user ${(c.user / N).toFixed(1)}, sys ${(c.system / N).toFixed(1)}), ${((wall * 1000) / N).toFixed(1)} µs wall per rotation (incl. signing the successor)`)
slow.sort((a, b) => b - a)
console.log('slowest rotations (ms):', slow.slice(0, 5).map((x) => x.toFixed(1)).join(' '), 'p99', slow[Math.floor(slow.length / 100)]!.toFixed(2))
console.log('checkpoints', opened.sqlite!.checkpointer?.done, 'wal bytes', (await import('node:fs')).statSync(config.database.url + '-wal').size, 'rss MB', (process.memoryUsage().rss/1e6).toFixed(0)); await store.close()
rmSync(dir, { recursive: true, force: true })
