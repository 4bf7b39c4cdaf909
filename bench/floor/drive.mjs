/**
 * Runs bench/floor/variants.mjs servers side by side: `GET /healthz` with wrk -t1 -c64, a 2 s
 * warm-up, then ROUNDS interleaved rounds of 2 s; server CPU from /proc/<pid>/stat around each round.
 * Usage: node bench/floor/drive.mjs [variant ...]   (stdout of each server goes to a file)
 * FLOOR_PATH=/accounts/user/ measures the authenticated GET instead. A `-semi<N>` suffix (tessera-info-semi4) runs
 * that variant with NODE_OPTIONS=--max-semi-space-size=<N>; an `-ofs` suffix runs it with --optimize-for-size,
 * `-hg<N>` with --heap-growing-percent=<N>. Before/after in one run: BASE_BUILD=<another build's src/ dir> node bench/floor/drive.mjs base-info tessera-info base-silent tessera-silent
 */
import { fork, spawnSync } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ALL = ['bare', 'cors-none', 'cors-list', 'cookie', 'header-hooks', 'metrics', 'fastify-log', 'pino-one-line', 'lean-line', 'tessera-silent', 'tessera-no-access', 'tessera-info']
const names = process.argv.length > 2 ? process.argv.slice(2) : ALL
const ROUNDS = Number(process.env.ROUNDS ?? 4)
/** `/healthz` (the floor) or `/accounts/user/` (the access cookie of a session each Tessera variant makes). */
const PATH = process.env.FLOOR_PATH ?? '/healthz'
const cpu = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
const dir = mkdtempSync(join(tmpdir(), 'tessera-floor-'))
const servers = []
try {
  for (const [index, name] of names.entries()) {
    const env = { PATH: process.env.PATH, NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(64), DATABASE_URL: join(dir, `${name}-${index}.sqlite3`), DATA_DIR: dir, RATE_LIMIT_ENABLED: 'false', ALLOWED_HOSTS: '127.0.0.1', ...(name.endsWith('-silent') && { LOG_LEVEL: 'silent' }), ...(name === 'tessera-no-access' && { ACCESS_LOG: 'false' }), ...(/-semi\d+/.test(name) && { NODE_OPTIONS: `--max-semi-space-size=${/-semi(\d+)/.exec(name)[1]}` }), ...(process.env.BASE_BUILD && { BASE_BUILD: process.env.BASE_BUILD }) }
    const child = fork(new URL('variants.mjs', import.meta.url).pathname, [name], { env, cwd: dir, execArgv: [...(name.endsWith('-ofs') ? ['--optimize-for-size'] : []), ...(/-hg\d+/.test(name) ? [`--heap-growing-percent=${/-hg(\d+)/.exec(name)[1]}`] : [])], stdio: ['ignore', openSync(join(dir, `${name}.log`), 'a'), 'inherit', 'ipc'] })
    const { port, cookie } = await new Promise((resolve, reject) => {
      child.once('message', resolve)
      child.once('exit', () => reject(new Error(`${name} exited`)))
    })
    // PIN=1: the server (all its threads) on CPU 1, wrk on CPU 0, so neither moves onto the other's core.
    if (process.env.PIN) spawnSync('taskset', ['-a', '-p', '-c', '1', String(child.pid)])
    servers.push({ name, child, port, cookie, cpu: 0, requests: 0, seconds: 0 })
  }
  const round = (s, seconds) => {
    const c0 = cpu(s.child.pid)
    const out = spawnSync(process.env.PIN ? 'taskset' : 'wrk', [...(process.env.PIN ? ['-c', '0', 'wrk'] : []), '-t1', '-c64', `-d${seconds}s`, ...(s.cookie ? ['-H', `Cookie: ${s.cookie}`] : []), `http://127.0.0.1:${s.port}${PATH}`], { encoding: 'utf8' }).stdout
    if (/Non-2xx/.test(out)) throw new Error(`${s.name}: answers other than 2xx:\n${out}`)
    return { cpu: cpu(s.child.pid) - c0, requests: Number(/(\d+) requests in/.exec(out)[1]) }
  }
  for (const s of servers) round(s, 2)
  for (let i = 0; i < ROUNDS; i++) {
    for (const s of servers) {
      const r = round(s, 2)
      s.cpu += r.cpu
      s.requests += r.requests
      s.seconds += 2
    }
  }
  const peak = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024
  for (const s of servers) console.log(`${s.name.padEnd(16)} ${(s.requests / s.seconds).toFixed(0).padStart(7)} req/s  ${((s.cpu / s.requests) * 1e6).toFixed(1).padStart(6)} µs CPU/req  peak RSS ${peak(s.child.pid).toFixed(1)} MiB`)
} finally {
  for (const s of servers) s.child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
