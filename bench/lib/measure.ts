/**
 * Measured runs. An arm is one setup under load (Tessera, or the bare baseline; one load generator
 * per server, plus any load that runs alongside but is not what is reported, such as a login flood).
 * Arms are measured in interleaved rounds (A B A B A B): whatever else the machine is doing falls on
 * every arm alike. Server CPU time is read from /proc at the start and end of each round.
 */
import type { LoadResult, LoadSpec } from '../child/load.js'
import { startLoad, type Load, type Server } from './children.js'
import { cpuSeconds, memory } from './proc.js'

export interface Options {
  connections: number
  warmup: number
  /** Measured seconds per arm, split into `rounds`. */
  duration: number
  rounds: number
}

export interface Measurement {
  label: string
  rps: number
  /** Milliseconds: the median of the rounds' percentiles. */
  p50: number
  p99: number
  requests: number
  errors: number
  non2xx: number
  timeouts: number
  statusCodes: Record<string, number>
  /** Server CPU time per request, microseconds (all servers of the arm together). */
  cpuPerRequest: number
  /** Server CPU seconds per wall second (1.0 = one core busy). */
  cpuUtil: number
  /** Peak RSS of the (largest) server over its life so far, MiB. */
  peakRss: number
  rss: number
  failed: string | null
  /** What the side loads (not reported as the arm's rate) did, summed over the rounds. */
  side: LoadResult[]
}

export interface Arm {
  label: string
  /** Whose CPU and memory are measured; none: the loads' own (the raw argon2 arm hashes in its load process). */
  servers: Server[]
  /** The reported loads (their rates add up: one generator per instance). */
  loads: Omit<LoadSpec, 'rounds'>[]
  /** Loads that run during this arm's rounds only, not reported as its rate (a login flood). */
  side?: Omit<LoadSpec, 'rounds'>[]
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer))
}

/** Merges one load's rounds into one result. */
function merge(rounds: LoadResult[]): LoadResult {
  const statusCodes: Record<string, number> = {}
  for (const r of rounds) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n
  const sum = (pick: (r: LoadResult) => number) => rounds.reduce((acc, r) => acc + pick(r), 0)
  return {
    requests: sum((r) => r.requests),
    duration: sum((r) => r.duration),
    rps: sum((r) => r.requests) / sum((r) => r.duration),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    statusCodes,
    spent: Math.max(...rounds.map((r) => r.spent)),
    exhausted: rounds.some((r) => r.exhausted),
  }
}

interface Running {
  arm: Arm
  loads: Load[]
  side: Load[]
  results: LoadResult[][]
  sideResults: LoadResult[][]
  cpu: number
  wall: number
}

/** Whose CPU and memory count: the servers, or for the raw argon2 arm its own load process. */
const measuredPids = (r: Running) => (r.arm.servers.length > 0 ? r.arm.servers.map((server) => server.pid) : r.loads.map((l) => l.pid))

async function runRound(r: Running, limit: number): Promise<void> {
  await withTimeout(Promise.all([...r.loads, ...r.side].map((l) => l.ready())), limit, r.arm.label)
  // The side loads start first, so the reported ones run against them from their first request.
  const side = r.side.map((l) => l.go())
  if (side.length > 0) await new Promise((resolve) => setTimeout(resolve, 300))
  const pids = measuredPids(r)
  const cpu0 = pids.map(cpuSeconds)
  const t0 = performance.now()
  const results = await withTimeout(Promise.all(r.loads.map((l) => l.go())), limit, r.arm.label)
  r.wall += (performance.now() - t0) / 1000
  r.cpu += pids.reduce((acc, pid, i) => acc + cpuSeconds(pid) - cpu0[i]!, 0)
  for (const [i, result] of results.entries()) r.results[i]!.push(result)
  for (const [i, result] of (await withTimeout(Promise.all(side), limit, `${r.arm.label} (side load)`)).entries()) r.sideResults[i]!.push(result)
}

function summarize(r: Running): Measurement {
  const merged = r.results.map(merge)
  const side = r.sideResults.map(merge)
  const all = merge(merged)
  const mem = measuredPids(r).map(memory)
  return {
    label: r.arm.label,
    rps: merged.reduce((acc, m) => acc + m.rps, 0),
    p50: Math.max(...merged.map((m) => m.p50)),
    p99: Math.max(...merged.map((m) => m.p99)),
    requests: all.requests,
    errors: all.errors,
    non2xx: all.non2xx,
    timeouts: all.timeouts,
    statusCodes: all.statusCodes,
    cpuPerRequest: all.requests > 0 ? (r.cpu / all.requests) * 1e6 : NaN,
    cpuUtil: r.cpu / r.wall,
    peakRss: Math.max(...mem.map((x) => x.peak)),
    rss: Math.max(...mem.map((x) => x.rss)),
    failed: failure([...merged, ...side]),
    side,
  }
}

/** Measures the arms in interleaved rounds; every load process is gone when this returns. */
export async function measureArms(arms: Arm[], options: Pick<Options, 'rounds' | 'duration'>): Promise<Measurement[]> {
  const rounds = options.rounds
  const running: Running[] = arms.map((arm) => ({
    arm,
    loads: arm.loads.map((spec) => startLoad({ ...spec, rounds })),
    side: (arm.side ?? []).map((spec) => startLoad({ ...spec, rounds })),
    results: arm.loads.map(() => []),
    sideResults: (arm.side ?? []).map(() => []),
    cpu: 0,
    wall: 0,
  }))
  try {
    for (let round = 0; round < rounds; round++) {
      for (const r of running) {
        const longest = Math.max(...[...r.arm.loads, ...(r.arm.side ?? [])].map((spec) => spec.warmup + spec.duration))
        await runRound(r, (longest + 60) * 1000)
      }
    }
    return running.map(summarize)
  } finally {
    for (const r of running) for (const load of [...r.loads, ...r.side]) load.stop()
  }
}

/** A run with any error, timeout, non-2xx answer or exhausted pool is a failure, whatever its rate. */
export function failure(results: LoadResult[]): string | null {
  const problems: string[] = []
  for (const r of results) {
    if (r.exhausted) problems.push('session pool exhausted')
    if (r.errors > 0) problems.push(`${r.errors} connection errors`)
    if (r.timeouts > 0) problems.push(`${r.timeouts} timeouts`)
    const bad = Object.entries(r.statusCodes).filter(([code]) => !code.startsWith('2'))
    if (bad.length > 0) problems.push(`non-2xx: ${bad.map(([code, n]) => `${n}×${code}`).join(', ')}`)
    if (r.requests === 0) problems.push('no responses')
  }
  return problems.length > 0 ? problems.join('; ') : null
}
