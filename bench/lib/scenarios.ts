/**
 * The scenarios of issue 5 on SQLite. Each gets a fresh database and a fresh Tessera process (so its
 * peak RSS is its own); the bare baseline process lives for the whole run.
 */
import { defaultHashConcurrency } from '../../src/passwords/index.js'
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Kind } from '../child/shapes.js'
import { startTessera, type Server } from './children.js'
import { measureArms, type Arm, type Measurement, type Options } from './measure.js'
import { memory } from './proc.js'
import { summarizeProfile } from './profile.js'
import { seed, type SeedPlan } from './seed.js'

export interface Run {
  options: Options
  bare: Server
  /** A temp directory for this run's databases and pool files. */
  dir: string
  secretKey: string
  /** Where `--cpu-prof` profiles go, when profiling. */
  profileDir: string | undefined
  /** Extra environment for every Tessera server (`--env`). */
  extraEnv: Record<string, string>
}

export interface Target {
  /** "≥ 0.80 of bare" and the like. */
  text: string
  ok: boolean
}

export interface ScenarioResult {
  name: string
  rows: Measurement[]
  ratio?: { value: number; of: string }
  target?: Target
  notes: string[]
}

export const newRun = (options: Options, bare: Server, dir: string, profileDir?: string, extraEnv: Record<string, string> = {}): Run => ({
  options,
  bare,
  dir,
  secretKey: randomBytes(48).toString('base64url'),
  profileDir,
  extraEnv,
})

/** The server's environment: production settings, a private SQLite file, rate limits off, logs silent. */
export function serverEnv(run: Run, name: string, extra: Record<string, string> = {}): Record<string, string> {
  const dir = join(run.dir, name)
  mkdirSync(dir, { recursive: true })
  return {
    NODE_ENV: 'production',
    SECRET_KEY: run.secretKey,
    DATABASE_URL: join(dir, 'db.sqlite3'),
    DATA_DIR: dir,
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'silent',
    ...run.extraEnv,
    ...extra,
  }
}

/** Seeds, starts Tessera, and hands both to `body`; always stops the server (and summarizes its profile). */
export async function withTessera<T>(run: Run, name: string, plan: SeedPlan, body: (server: Server, poolFile: string, env: Record<string, string>) => Promise<T>, extraEnv: Record<string, string> = {}): Promise<T> {
  const env = serverEnv(run, name, extraEnv)
  const poolFile = join(run.dir, name, 'pool.json')
  const t0 = Date.now()
  const seeded = await seed(env, plan, poolFile)
  console.log(`  seeded ${seeded.users} users, ${seeded.sessions} live + ${seeded.revoked} revoked sessions in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  const profileDir = run.profileDir && join(run.profileDir, name)
  const server = await startTessera(env, profileDir)
  try {
    return await body(server, poolFile, env)
  } finally {
    await server.stop()
    if (profileDir) summarizeProfile(profileDir, name)
  }
}

/** One load generator's spec against `server`; `duration` is per round. */
const spec = (run: Run, server: Server, kind: Kind, poolFile: string, overrides: { connections?: number; warmup?: number; duration?: number } = {}) => ({
  url: server.url,
  kind,
  poolFile,
  strict: server !== run.bare,
  connections: overrides.connections ?? run.options.connections,
  warmup: overrides.warmup ?? run.options.warmup,
  duration: overrides.duration ?? run.options.duration / run.options.rounds,
})

const arm = (label: string, server: Server, load: ReturnType<typeof spec>): Arm => ({ label, servers: [server], loads: [load] })
const judge = (value: number, min: number, text: string): Target => ({ text, ok: value >= min })

/** Sessions a consuming scenario may spend: its expected peak rate × time, with room to spare. */
const poolFor = (run: Run, perSecond: number) => Math.ceil(perSecond * (2 * run.options.warmup + run.options.duration + 2) * 1.5)

/** Tessera against the bare baseline with one request shape, in interleaved rounds. */
async function versusBare(run: Run, name: string, kind: Kind, plan: SeedPlan): Promise<[Measurement, Measurement]> {
  return withTessera(run, name, plan, async (server, poolFile) => {
    const [tessera, bare] = await measureArms([arm(`${name} (Tessera)`, server, spec(run, server, kind, poolFile)), arm(`${name} (bare)`, run.bare, spec(run, run.bare, kind, poolFile))], run.options)
    return [tessera!, bare!]
  })
}

async function ratioToBare(run: Run, name: string, kind: Kind, plan: SeedPlan, min: number): Promise<ScenarioResult> {
  const [tessera, bare] = await versusBare(run, name, kind, plan)
  const value = tessera.rps / bare.rps
  return {
    name,
    rows: [tessera, bare],
    ratio: { value, of: 'bare' },
    target: judge(tessera.failed || bare.failed ? 0 : value, min, `≥ ${min.toFixed(2)} of bare`),
    notes: [`server CPU per request ${(tessera.cpuPerRequest / bare.cpuPerRequest).toFixed(2)}× bare's (CPU-bound ratio ${(bare.cpuPerRequest / tessera.cpuPerRequest).toFixed(2)})`],
  }
}

const GET_PLAN: SeedPlan = { users: 200, sessions: 1000 }

export const scenarios: Record<string, (run: Run) => Promise<ScenarioResult>> = {
  user: (run) => ratioToBare(run, 'user', 'user', GET_PLAN, 0.8),
  'user-bearer': (run) => ratioToBare(run, 'user-bearer', 'user-bearer', GET_PLAN, 0.8),
  csrf: (run) => ratioToBare(run, 'csrf', 'csrf', GET_PLAN, 0.8),
  refresh: (run) => ratioToBare(run, 'refresh', 'refresh', { users: 200, sessions: poolFor(run, 2500) }, 0.3),
  logout: (run) => ratioToBare(run, 'logout', 'logout', { users: 200, sessions: poolFor(run, 3000) }, 0.25),

  async login(run) {
    const connections = 8
    return withTessera(run, 'login', { users: 10, sessions: 100, loginUser: true }, async (server, poolFile, env) => {
      const params = { memoryCost: Number(env.ARGON2_MEMORY_COST ?? 19456), timeCost: Number(env.ARGON2_TIME_COST ?? 2), parallelism: Number(env.ARGON2_PARALLELISM ?? 1) }
      const o = { connections }
      // The server runs at most ARGON2_MAX_CONCURRENCY hashes at once (CPUs less one, so a login flood
      // leaves a core to the request thread); the raw rate is measured under the same budget.
      const hashConcurrency = Number(env.ARGON2_MAX_CONCURRENCY ?? defaultHashConcurrency())
      const raw: Arm = { label: 'raw argon2 verify', servers: [], loads: [{ ...spec(run, server, 'login', poolFile, { connections: hashConcurrency }), kind: 'argon2', argon2: params, ...(env.UV_THREADPOOL_SIZE && { uvThreadpoolSize: env.UV_THREADPOOL_SIZE }) }] }
      const [tessera, bare, hashes] = await measureArms([arm('login (Tessera)', server, spec(run, server, 'login', poolFile, o)), arm('login (bare)', run.bare, spec(run, run.bare, 'login', poolFile, o)), raw], run.options)
      const value = tessera!.rps / hashes!.rps
      return {
        name: 'login',
        rows: [tessera!, hashes!, bare!],
        ratio: { value, of: 'raw argon2' },
        target: judge(tessera!.failed ? 0 : value, 0.85, '≥ 0.85 of raw argon2'),
        notes: [
          `raw argon2: @node-rs/argon2 verify in a process of its own (m=${params.memoryCost} KiB, t=${params.timeCost}, p=${params.parallelism}; ${hashConcurrency} at a time, the server's ARGON2_MAX_CONCURRENCY), in rounds interleaved with the login rounds`,
          `a login costs ${(tessera!.cpuPerRequest / 1000).toFixed(1)} ms of server CPU, ${((tessera!.cpuPerRequest - hashes!.cpuPerRequest) / 1000).toFixed(1)} ms beyond the hash`,
        ],
      }
    })
  },

  async mixed(run) {
    return withTessera(run, 'mixed', { users: 200, sessions: poolFor(run, 400), loginUser: true }, async (server, poolFile) => {
      const [tessera, bare] = await measureArms([arm('mixed (Tessera)', server, spec(run, server, 'mixed', poolFile)), arm('mixed (bare)', run.bare, spec(run, run.bare, 'mixed', poolFile))], run.options)
      return {
        name: 'mixed',
        rows: [tessera!, bare!],
        ratio: { value: tessera!.rps / bare!.rps, of: 'bare' },
        notes: ['no target: the one login in every 100 requests (an argon2 verification, ~14 ms of CPU) costs about as much as the other 99 together, so the mix follows the hashing rate'],
      }
    })
  },

  async 'login-flood'(run) {
    return withTessera(run, 'login-flood', { users: 200, sessions: 1000, loginUser: true }, async (server, poolFile) => {
      const perRound = run.options.duration / run.options.rounds
      const flood = spec(run, server, 'login', poolFile, { connections: 16, duration: perRound + 1 })
      const [alone, during] = await measureArms(
        [arm('user GET alone', server, spec(run, server, 'user', poolFile)), { ...arm('user GET during a login flood', server, spec(run, server, 'user', poolFile)), side: [flood] }],
        run.options,
      )
      const value = during!.rps / alone!.rps
      const logins = during!.side[0]
      return {
        name: 'login-flood',
        rows: [alone!, during!],
        ratio: { value, of: 'user GET alone' },
        target: judge(alone!.failed || during!.failed ? 0 : value, 0.5, '≥ 0.50 of user GET alone'),
        notes: [`the flood: 16 connections of valid logins${logins ? `, ${logins.rps.toFixed(1)} logins/s, p99 ${logins.p99.toFixed(0)} ms` : ''}; user GETs and flood rounds interleaved with rounds of user GETs alone`],
      }
    })
  },

  async 'sessions-100k'(run) {
    const plan = { users: 1000, sessions: 50_000, revoked: 50_000 }
    return withTessera(run, 'sessions-100k', plan, async (server, poolFile) => {
      const atStart = memory(server.pid).rss
      const [traffic] = await measureArms([arm('user GET over 50,000 live sessions', server, spec(run, server, 'user', poolFile))], run.options)
      return {
        name: 'sessions-100k',
        rows: [traffic!],
        target: { text: 'peak RSS ≤ 200 MB', ok: !traffic!.failed && traffic!.peakRss * 1.048576 <= 200 },
        notes: [
          `100,000 sessions of 1,000 users: 50,000 revoked a minute earlier (the revocation set loaded ${server.ready.revoked ?? '?'} at start), 50,000 live; each request uses the next live session's access token`,
          `RSS once started (revocation set loaded) ${atStart.toFixed(1)} MiB, after the traffic ${traffic!.rss.toFixed(1)} MiB, peak ${traffic!.peakRss.toFixed(1)} MiB = ${(traffic!.peakRss * 1.048576).toFixed(1)} MB`,
        ],
      }
    })
  },
}
