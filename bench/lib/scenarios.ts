/**
 * The scenarios. Each gets a fresh SQLite database, seeded before its Tessera server starts; the
 * bare baseline is one process for the whole run.
 */
import { defaultHashConcurrency } from '../../src/passwords/index.js'
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Kind } from '../child/shapes.js'
import { argon2Load, startTessera, type Server } from './children.js'
import { shapeLoad } from './loads.js'
import { measureArms, type Arm, type Measurement, type Options } from './measure.js'
import { memory } from './proc.js'
import { summarizeProfile } from './profile.js'
import { seed, type SeedPlan } from './seed.js'

export interface Run {
  options: Options
  quick: boolean
  bare: Server
  /** A temp directory for this run's databases, pools and logs. */
  dir: string
  secretKey: string
  /** Where `--cpu-prof` profiles go, when profiling. */
  profileDir: string | undefined
  /** Extra environment for every Tessera server (`--env`). */
  extraEnv: Record<string, string>
  /**
   * `BENCH_BASE_BUILD`: another build's bench/.build (e.g. an older commit's): the scenarios against
   * bare then measure it too, as a third arm in the same interleaved rounds (before/after in one run).
   */
  baseBuild: string | undefined
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

export const newRun = (options: Options, quick: boolean, bare: Server, dir: string, profileDir?: string, extraEnv: Record<string, string> = {}): Run => ({
  options,
  quick,
  bare,
  dir,
  secretKey: randomBytes(48).toString('base64url'),
  profileDir,
  extraEnv,
  baseBuild: process.env.BENCH_BASE_BUILD,
})

/**
 * The server's environment: production as `npm start` runs it (NODE_ENV=production, the default
 * LOG_LEVEL, info: a request log on stdout), a private SQLite file, rate limits off (every request
 * comes from one address).
 */
export function serverEnv(run: Run, name: string, extra: Record<string, string> = {}): Record<string, string> {
  const dir = join(run.dir, name)
  mkdirSync(dir, { recursive: true })
  return {
    NODE_ENV: 'production',
    SECRET_KEY: run.secretKey,
    DATABASE_URL: join(dir, 'db.sqlite3'),
    DATA_DIR: dir,
    HOST: '127.0.0.1',
    // Production refuses to start without ALLOWED_HOSTS; wrk addresses the server by IP.
    ALLOWED_HOSTS: '127.0.0.1',
    RATE_LIMIT_ENABLED: 'false',
    ...run.extraEnv,
    ...extra,
  }
}

export interface Tessera {
  server: Server
  poolFile: string
  env: Record<string, string>
  /** Starts one more server on the same database (another setting, or a second instance). */
  another(name: string, extraEnv?: Record<string, string>): Promise<Server>
}

/** Options for `withTessera`: extra environment, and another build to run instead of this one. */
interface TesseraStart {
  extraEnv?: Record<string, string>
  build?: string
}

/** Seeds, starts Tessera, and hands it to `body`; always stops the servers (and summarizes their profiles). */
export async function withTessera<T>(run: Run, name: string, plan: SeedPlan, body: (t: Tessera) => Promise<T>, { extraEnv = {}, build }: TesseraStart = {}): Promise<T> {
  const env = serverEnv(run, name, extraEnv)
  const dir = join(run.dir, name)
  const poolFile = join(dir, 'pool.json')
  const t0 = Date.now()
  const seeded = await seed(env, plan, poolFile)
  console.log(`  seeded ${seeded.users} users, ${seeded.sessions} live + ${seeded.revoked} revoked sessions in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  const servers: { server: Server; profileDir?: string; logFile: string }[] = []
  const start = async (serverName: string, more: Record<string, string> = {}) => {
    const profileDir = run.profileDir && join(run.profileDir, serverName)
    const logFile = join(dir, `${serverName}.log`)
    const server = await startTessera({ ...env, ...more }, { cwd: dir, logFile, profileDir, name: serverName, build })
    servers.push({ server, profileDir, logFile })
    return server
  }
  try {
    const server = await start(name)
    return await body({ server, poolFile, env, another: start })
  } finally {
    for (const { server, profileDir, logFile } of servers) {
      await server.stop()
      if (profileDir) summarizeProfile(profileDir, server.name)
      rmSync(logFile, { force: true })
    }
  }
}

/** Bytes the server has written to its request log so far. */
export const logBytes = (run: Run, scenario: string, server: Server) => {
  try {
    return statSync(join(run.dir, scenario, `${server.name}.log`)).size
  } catch {
    return 0
  }
}

/** A wrk load of `kind` against `server`: Tessera spends each consumed session once, the baseline cycles. */
export const load = (run: Run, server: Server, kind: Kind, poolFile: string, connections = run.options.connections) =>
  shapeLoad(`${kind} → ${server.name}`, server, kind, poolFile, connections, server !== run.bare)

export const arm = (label: string, server: Server, ...loads: Arm['loads']): Arm => ({ label, servers: [server], loads })
export const judge = (value: number, min: number, text: string): Target => ({ text, ok: value >= min })

/**
 * Sessions an arm that spends one per request may need: `perSecond` × its time under load (the
 * warm-up and its rounds of whole seconds, plus a second), half again to spare. When a server gets
 * faster than `perSecond`, its arm fails with "session pool exhausted": raise the rate here.
 */
export const poolFor = (run: Run, perSecond: number) => Math.ceil(perSecond * (run.options.warmup + run.options.rounds * Math.max(1, Math.round(run.options.duration / run.options.rounds)) + 1) * 1.5)

/** The base build's server on a database of its own (BENCH_BASE_BUILD), or none. */
const withBase = <T>(run: Run, name: string, plan: SeedPlan, body: (base: Tessera | undefined) => Promise<T>): Promise<T> =>
  run.baseBuild ? withTessera(run, `${name}-base`, plan, body, { build: run.baseBuild }) : body(undefined)

async function ratioToBare(run: Run, name: string, kind: Kind, plan: SeedPlan, min: number): Promise<ScenarioResult> {
  return withBase(run, name, plan, (base) => withTessera(run, name, plan, async ({ server, poolFile }) => {
    const baseArm = base ? [arm(`${name} (Tessera, BENCH_BASE_BUILD)`, base.server, load(run, base.server, kind, base.poolFile))] : []
    const [tessera, bare, ...before] = await measureArms([arm(`${name} (Tessera)`, server, load(run, server, kind, poolFile)), arm(`${name} (bare)`, run.bare, load(run, run.bare, kind, poolFile)), ...baseArm], run.options)
    const value = tessera!.rps / bare!.rps
    return {
      name,
      rows: [tessera!, bare!, ...(before as Measurement[])],
      ratio: { value, of: 'bare' },
      target: judge(tessera!.failed || bare!.failed ? 0 : value, min, `≥ ${min.toFixed(2)} of bare`),
      notes: [
        `server CPU per request ${(tessera!.cpuPerRequest / bare!.cpuPerRequest).toFixed(2)}× bare's (CPU-bound ratio ${(bare!.cpuPerRequest / tessera!.cpuPerRequest).toFixed(2)}); request log ${(logBytes(run, name, server) / Math.max(1, tessera!.requests)).toFixed(0)} bytes per request`,
        ...before.map((b) => `the base build (${run.baseBuild}): ${(b!.rps / bare!.rps).toFixed(2)} of bare, ${b!.cpuPerRequest.toFixed(0)} µs CPU per request`),
      ],
    }
  }))
}

const GET_PLAN: SeedPlan = { users: 200, sessions: 1000 }

export const scenarios: Record<string, (run: Run) => Promise<ScenarioResult>> = {
  healthz: (run) => ratioToBare(run, 'healthz', 'healthz', { users: 1, sessions: 0 }, 0.95),
  user: (run) => ratioToBare(run, 'user', 'user', GET_PLAN, 0.85),
  'user-bearer': (run) => ratioToBare(run, 'user-bearer', 'user-bearer', GET_PLAN, 0.85),
  csrf: (run) => ratioToBare(run, 'csrf', 'csrf', GET_PLAN, 0.8),
  refresh: (run) => ratioToBare(run, 'refresh', 'refresh', { users: 200, sessions: poolFor(run, 4000) }, 0.4),
  logout: (run) => ratioToBare(run, 'logout', 'logout', { users: 200, sessions: poolFor(run, 4000) }, 0.4),

  async logging(run) {
    return withTessera(run, 'logging', GET_PLAN, async ({ server, poolFile, another }) => {
      const silent = await another('logging-silent', { LOG_LEVEL: 'silent' })
      const [on, off] = await measureArms([arm('user GET, request logs on (default)', server, load(run, server, 'user', poolFile)), arm('user GET, LOG_LEVEL=silent', silent, load(run, silent, 'user', poolFile))], run.options)
      const value = on!.rps / off!.rps
      return {
        name: 'logging',
        rows: [on!, off!],
        ratio: { value, of: 'logs off' },
        target: judge(on!.failed || off!.failed ? 0 : value, 0.9, '≤ 10 % apart (≥ 0.90 of logs off)'),
        notes: [`two servers on one database, NODE_ENV=production, the default LOG_LEVEL (info) against silent; the log (stdout into a file) took ${(logBytes(run, 'logging', server) / Math.max(1, on!.requests)).toFixed(0)} bytes per request; CPU per request ${(on!.cpuPerRequest - off!.cpuPerRequest).toFixed(0)} µs more with logs on`],
      }
    })
  },

  async login(run) {
    const plan = { users: 10, sessions: 100, loginUser: true }
    return withBase(run, 'login', plan, (base) => withTessera(run, 'login', plan, async ({ server, poolFile, env }) => {
      const params = { memoryCost: Number(env.ARGON2_MEMORY_COST ?? 19456), timeCost: Number(env.ARGON2_TIME_COST ?? 2), parallelism: Number(env.ARGON2_PARALLELISM ?? 1) }
      // The server runs at most ARGON2_MAX_CONCURRENCY hashes at once (CPUs less one, so a login flood
      // leaves a core to the request thread); the raw rate is measured under the same budget.
      const hashConcurrency = Number(env.ARGON2_MAX_CONCURRENCY ?? defaultHashConcurrency())
      const hasher = argon2Load('raw argon2 verify', params, hashConcurrency, env.UV_THREADPOOL_SIZE)
      const raw: Arm = { label: 'raw argon2 verify', servers: [], pids: [hasher.pid], loads: [hasher] }
      const baseArm = base ? [arm('login (Tessera, BENCH_BASE_BUILD)', base.server, load(run, base.server, 'login', base.poolFile, 8))] : []
      const [tessera, hashes, ...before] = await measureArms([arm('login (Tessera)', server, load(run, server, 'login', poolFile, 8)), raw, ...baseArm], run.options)
      const value = tessera!.rps / hashes!.rps
      return {
        name: 'login',
        rows: [tessera!, hashes!, ...(before as Measurement[])],
        ratio: { value, of: 'raw argon2' },
        target: judge(tessera!.failed ? 0 : value, 0.9, '≥ 0.90 of raw argon2'),
        notes: [
          `raw argon2: @node-rs/argon2 verify in a process of its own (m=${params.memoryCost} KiB, t=${params.timeCost}, p=${params.parallelism}; ${hashConcurrency} at a time, the server's ARGON2_MAX_CONCURRENCY), in rounds interleaved with the login rounds (8 connections)`,
          `a login costs ${(tessera!.cpuPerRequest / 1000).toFixed(1)} ms of server CPU, ${((tessera!.cpuPerRequest - hashes!.cpuPerRequest) / 1000).toFixed(1)} ms beyond the hash`,
          ...before.map((b) => `the base build (${run.baseBuild}): ${(b!.rps / hashes!.rps).toFixed(2)} of raw argon2, ${(b!.cpuPerRequest / 1000).toFixed(1)} ms CPU per login`),
        ],
      }
    }))
  },

  async 'login-flood'(run) {
    return withTessera(run, 'login-flood', { users: 200, sessions: 1000, loginUser: true }, async ({ server, poolFile }) => {
      const flood = load(run, server, 'login', poolFile, 16)
      const [alone, during] = await measureArms([arm('user GET alone', server, load(run, server, 'user', poolFile)), { ...arm('user GET during a login flood', server, load(run, server, 'user', poolFile)), side: [flood] }], run.options)
      const value = during!.rps / alone!.rps
      const logins = during!.side[0]
      return {
        name: 'login-flood',
        rows: [alone!, during!],
        ratio: { value, of: 'user GET alone' },
        target: judge(alone!.failed || during!.failed ? 0 : value, 0.6, '≥ 0.60 of user GET alone'),
        notes: [`the flood: a second wrk with 16 connections of valid logins${logins ? `, ${logins.rps.toFixed(1)} logins/s, p99 ${logins.p99.toFixed(0)} ms` : ''}; rounds of user GETs during the flood interleaved with rounds of user GETs alone`],
      }
    })
  },

  /** Reads while rotations write: the checkpoints' syncs must not stop the GETs (with BENCH_BASE_BUILD, also the base's). */
  async 'refresh-flood'(run) {
    const plan = { users: 200, sessions: poolFor(run, 3000) }
    return withBase(run, 'refresh-flood', plan, (base) => withTessera(run, 'refresh-flood', plan, async ({ server, poolFile }) => {
      const during = (label: string, t: Server, pool: string): Arm => ({ ...arm(label, t, load(run, t, 'user', pool)), side: [load(run, t, 'refresh', pool, 16)] })
      const baseArm = base ? [during('user GET during a refresh flood (BENCH_BASE_BUILD)', base.server, base.poolFile)] : []
      const [alone, flooded, ...before] = await measureArms([arm('user GET alone', server, load(run, server, 'user', poolFile)), during('user GET during a refresh flood', server, poolFile), ...baseArm], run.options)
      const value = flooded!.rps / alone!.rps
      const rotations = (m: Measurement) => (m.side[0] ? `${m.side[0].rps.toFixed(0)} refreshes/s, p99 ${m.side[0].p99.toFixed(0)} ms` : '')
      return {
        name: 'refresh-flood',
        rows: [alone!, flooded!, ...(before as Measurement[])],
        ratio: { value, of: 'user GET alone' },
        notes: [`the flood: a second wrk with 16 connections of rotating refreshes (each token once): ${rotations(flooded!)}`, ...before.map((b) => `the base build: ${(b!.rps / alone!.rps).toFixed(2)} of user GET alone, GET p99 ${b!.p99.toFixed(0)} ms; ${rotations(b!)}`)],
      }
    }))
  },

  async 'sessions-100k'(run) {
    const plan = { users: 1000, sessions: 50_000, revoked: 50_000 }
    return withTessera(run, 'sessions-100k', plan, async ({ server, poolFile }) => {
      const atStart = memory(server.pid).rss
      const [traffic] = await measureArms([arm('user GET over 50,000 live sessions', server, load(run, server, 'user', poolFile))], run.options)
      const mb = traffic!.peakRss * 1.048576
      return {
        name: 'sessions-100k',
        rows: [traffic!],
        target: { text: 'peak RSS ≤ 150 MB', ok: !traffic!.failed && mb <= 150 },
        notes: [
          '100,000 sessions of 1,000 users: 50,000 revoked a minute before the server started (it loads them into its revocation set), 50,000 live; each request uses the next live session\'s access token (more than the verified-token cache holds)',
          `RSS once started ${atStart.toFixed(1)} MiB, after the traffic ${traffic!.rss.toFixed(1)} MiB, peak ${traffic!.peakRss.toFixed(1)} MiB = ${mb.toFixed(1)} MB`,
        ],
      }
    })
  },
}
