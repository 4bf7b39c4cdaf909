import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { openStore } from './bench/.build/src/store/index.js'
const pragmas = process.argv.slice(2)
const path = `/tmp/rot-${process.pid}.sqlite3`
const opened = await openStore(path)
await opened.migrate()
const store = opened.store
const user = await store.createUser({ username: 'u', password: 'x', email: '', first_name: '', last_name: '', is_active: true, is_staff: false, is_superuser: false, date_joined: Date.now() })
const id = () => randomBytes(16).toString('base64url')
const now = Date.now()
const N = 60000
const tokens = []
for (let i = 0; i < N; i++) {
  const s = { id: id(), user_id: user.id, created_at: now, last_used_at: now, user_agent: 'Mozilla/5.0', ip: '127.0.0.1', expires_at: now + 86400e3, revoked_at: null, revoke_reason: null, client_key: 'k'.repeat(22) }
  const t = { jti: id(), session_id: s.id, user_id: user.id, parent_jti: null, issued_at_s: Math.floor(now / 1000), expires_at_s: Math.floor(now / 1000) + 86400, used_at: null, successor_jti: null, revoked_at: null }
  await store.createSession(s, t)
  tokens.push(t)
}
const db = (await import('better-sqlite3')).default
// reach the connection: same file, pragmas are per connection; apply via a store-internal handle
const conn = store.inner?.sqlite?.connection ?? store.sqlite?.connection
for (const p of pragmas) console.log(p, conn ? conn.pragma(p) : 'no conn')
const M = 15000
const c0 = process.cpuUsage(); const t0 = performance.now()
for (let i = 0; i < M; i++) {
  const parent = tokens[i]
  const succ = { ...parent, jti: id(), parent_jti: parent.jti }
  const r = await store.rotateRefresh(parent.jti, succ, Date.now(), { ip: '127.0.0.1', user_agent: 'Mozilla/5.0', client_key: 'k'.repeat(22) })
  if (r.status !== 'rotated') throw new Error(r.status)
}
const c = process.cpuUsage(c0)
console.log(`rotations: ${((c.user + c.system) / M).toFixed(0)} µs CPU each (user ${(c.user / M).toFixed(0)}, sys ${(c.system / M).toFixed(0)}), ${((performance.now() - t0) * 1000 / M).toFixed(0)} µs wall`)
await store.close()
for (const f of ['', '-wal', '-shm']) rmSync(path + f, { force: true })
