/**
 * better-auth as a peer target, in the same run: its own folder (bench/peers/better-auth, its own
 * package.json and lockfile, installed here with `npm ci --prefix` on first use; never a dependency
 * of Tessera). Each comparison measures a better-auth server and a Tessera server in interleaved
 * rounds, with the same wrk, connections and round lengths; the figure that matters is the server
 * CPU per request (req/s on 2 shared cores is partly the load generator's).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Kind, Shape } from '../child/shapes.js'
import { BENCH_DIR } from './build.js'
import { startPeer, type Server } from './children.js'
import { measureArms, type Measurement } from './measure.js'
import { summarizeProfile } from './profile.js'
import { arm, load, poolFor, withTessera, type Run, type ScenarioResult } from './scenarios.js'
import { wrkLoad, writeRequests } from './wrk.js'

const PEER_DIR = join(BENCH_DIR, 'peers', 'better-auth')

/** Installs the peer's locked packages when they are missing or older than its lockfile. */
export function ensureBetterAuth(): string {
  const installed = join(PEER_DIR, 'node_modules', '.package-lock.json')
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(PEER_DIR, 'package-lock.json')).mtimeMs) {
    console.log('  installing the better-auth peer (npm ci --prefix bench/peers/better-auth; once, about a minute)')
    const result = spawnSync('npm', ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' })
    if (result.status !== 0) throw new Error('npm ci of bench/peers/better-auth failed')
  }
  return (JSON.parse(readFileSync(join(PEER_DIR, 'node_modules', 'better-auth', 'package.json'), 'utf8')) as { version: string }).version
}

interface PeerPool {
  login: { email: string; password: string }
  cookieName: string
  cookies: string[]
  seededUpdatedAt: unknown
}

type PeerKind = 'get-session' | 'sign-in' | 'sign-out'

/** The requests a browser sends better-auth (its client's shapes: JSON POSTs with Origin). */
function peerShapes(kind: PeerKind, pool: PeerPool, origin: string): Shape[] {
  const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) tessera-bench', accept: 'application/json', 'sec-fetch-site': 'same-origin' }
  const post = { ...browser, origin, 'content-type': 'application/json' }
  const cookie = (value: string) => `${pool.cookieName}=${value}`
  switch (kind) {
    case 'get-session':
      return pool.cookies.map((c) => ({ method: 'GET', path: '/api/auth/get-session', headers: { ...browser, cookie: cookie(c) } }))
    case 'sign-out':
      return pool.cookies.map((c) => ({ method: 'POST', path: '/api/auth/sign-out', headers: { ...post, cookie: cookie(c) }, body: '{}' }))
    case 'sign-in':
      return [{ method: 'POST', path: '/api/auth/sign-in/email', headers: post, body: JSON.stringify(pool.login) }]
  }
}

interface BetterAuth {
  server: Server
  pool: PeerPool
  db: string
  load(kind: PeerKind, connections?: number): ReturnType<typeof wrkLoad>
}

/** Seeds a better-auth database (`sessions` sessions of one user), starts its server, hands it to `body`. */
async function withBetterAuth<T>(run: Run, name: string, settings: { hash: 'default' | 'argon2id'; updateAge?: number; sessions: number }, body: (ba: BetterAuth) => Promise<T>): Promise<T> {
  const dir = join(run.dir, name)
  mkdirSync(dir, { recursive: true })
  const db = join(dir, 'better-auth.sqlite3')
  const poolFile = join(dir, 'better-auth-pool.json')
  const env = { NODE_ENV: 'production', BA_DATABASE: db, BA_SECRET: run.secretKey, BA_HASH: settings.hash, ...(settings.updateAge !== undefined && { BA_UPDATE_AGE: String(settings.updateAge) }) }
  const seeded = spawnSync(process.execPath, [join(PEER_DIR, 'seed.mjs'), String(settings.sessions), poolFile], { cwd: PEER_DIR, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' })
  if (seeded.status !== 0) throw new Error(`better-auth seed failed: ${seeded.stderr}`)
  const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as PeerPool
  const profileDir = run.profileDir && join(run.profileDir, name)
  const server = await startPeer('better-auth', env, '/api/auth/ok', profileDir)
  try {
    // get-session answers 200 with `null` for a session it does not know: check the cookies really work.
    for (const c of [pool.cookies[0]!, pool.cookies.at(-1)!]) {
      const body = await (await fetch(`${server.url}/api/auth/get-session`, { headers: { cookie: `${pool.cookieName}=${c}` } })).json() as { user?: { email: string } } | null
      if (body?.user?.email !== pool.login.email) throw new Error(`better-auth does not accept the seeded session cookies (got ${JSON.stringify(body)})`)
    }
    return await body({
      server,
      pool,
      db,
      load(kind, connections = run.options.connections) {
        const file = join(dir, `better-auth-${kind}.http`)
        writeRequests(file, new URL(server.url).host, peerShapes(kind, pool, server.url))
        return wrkLoad(`${kind} → better-auth`, { url: server.url, file, once: kind === 'sign-out', connections })
      },
    })
  } finally {
    await server.stop()
    if (profileDir) summarizeProfile(profileDir, `better-auth (${name})`)
  }
}

const count = (file: string, sql: string, ...params: unknown[]): number => {
  const db = new Database(file, { readonly: true })
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n
  } finally {
    db.close()
  }
}

/** better-auth's CPU per request over Tessera's, against a target multiple. */
function versus(name: string, tessera: Measurement, peer: Measurement, min: number | undefined, notes: string[]): ScenarioResult {
  const value = peer.cpuPerRequest / tessera.cpuPerRequest
  const failed = tessera.failed || peer.failed
  return {
    name,
    rows: [tessera, peer],
    ratio: { value, of: 'better-auth’s CPU/req over Tessera’s' },
    ...(min !== undefined && { target: { text: `≥ ${min}× less CPU per request than better-auth`, ok: !failed && value >= min } }),
    notes,
  }
}

async function tesseraVersusPeer(run: Run, name: string, kind: Kind, peerKind: PeerKind, settings: { updateAge?: number; sessions: number }, tesseraSessions: number, min: number, what: string): Promise<ScenarioResult> {
  return withTessera(run, name, { users: 200, sessions: tesseraSessions }, ({ server, poolFile }) =>
    withBetterAuth(run, name, { hash: 'default', ...settings }, async (ba) => {
      const [tessera, peer] = await measureArms([arm(`Tessera ${kind}`, server, load(run, server, kind, poolFile)), arm(`better-auth ${what}`, ba.server, ba.load(peerKind))], run.options)
      const notes = [`better-auth ${ba.pool.cookies.length.toLocaleString('en-US')} seeded sessions of one user; ${what}`]
      if (peerKind === 'sign-out') {
        const deleted = ba.pool.cookies.length - count(ba.db, 'SELECT count(*) AS n FROM session')
        if (deleted < peer!.requests) peer!.failed = `only ${deleted} sessions deleted for ${peer!.requests} sign-outs`
        notes.push(`${deleted.toLocaleString('en-US')} sessions deleted (checked in its database)`)
      }
      if (settings.updateAge === 0) {
        const extended = count(ba.db, 'SELECT count(*) AS n FROM session WHERE updatedAt != ?', ba.pool.seededUpdatedAt)
        if (extended < Math.min(ba.pool.cookies.length, peer!.requests) * 0.9) peer!.failed = `only ${extended} sessions extended for ${peer!.requests} requests`
        notes.push(`${extended.toLocaleString('en-US')} sessions extended (checked in its database)`)
      }
      return versus(name, tessera!, peer!, min, notes)
    }),
  )
}

export const peerScenarios: Record<string, (run: Run) => Promise<ScenarioResult>> = {
  'ba-session': (run) => tesseraVersusPeer(run, 'ba-session', 'user', 'get-session', { sessions: 1000 }, 1000, 15, 'get-session (database sessions, no cookie cache)'),
  'ba-extend': (run) => tesseraVersusPeer(run, 'ba-extend', 'refresh', 'get-session', { sessions: 1000, updateAge: 0 }, poolFor(run, 4000), 5, 'get-session with updateAge 0: every request extends its session (an UPDATE and a Set-Cookie)'),
  'ba-signout': (run) => tesseraVersusPeer(run, 'ba-signout', 'logout', 'sign-out', { sessions: poolFor(run, 1000) }, poolFor(run, 4000), 5, 'sign-out, each session once'),

  async 'ba-signin'(run) {
    return withTessera(run, 'ba-signin', { users: 10, sessions: 100, loginUser: true }, ({ server, poolFile }) =>
      withBetterAuth(run, 'ba-signin', { hash: 'default', sessions: 1 }, (scrypt) =>
        withBetterAuth(run, 'ba-signin-argon2', { hash: 'argon2id', sessions: 1 }, async (argon2) => {
          const [tessera, def, argon] = await measureArms(
            [arm('Tessera login (argon2id)', server, load(run, server, 'login', poolFile, 8)), arm('better-auth sign-in, its default hash (scrypt)', scrypt.server, scrypt.load('sign-in', 8)), arm('better-auth sign-in, argon2id', argon2.server, argon2.load('sign-in', 8))],
            run.options,
          )
          const result = versus('ba-signin', tessera!, def!, undefined, [
            `8 connections each; better-auth with argon2id uses @node-rs/argon2 through emailAndPassword.password.hash/verify with Tessera's default parameters (m=19456 KiB, t=2, p=1) but no concurrency limit (libuv's 4 threads), Tessera at most ARGON2_MAX_CONCURRENCY at once`,
            `CPU per sign-in: better-auth default ${(def!.cpuPerRequest / 1000).toFixed(1)} ms, better-auth argon2id ${(argon!.cpuPerRequest / 1000).toFixed(1)} ms, Tessera ${(tessera!.cpuPerRequest / 1000).toFixed(1)} ms`,
          ])
          result.rows.push(argon!)
          return result
        }),
      ),
    )
  },
}
