/**
 * Measured runs. An arm is one setup under load (Tessera, the bare baseline, a peer; one load per
 * server, plus any load that runs alongside but is not what is reported, such as a login flood).
 * Each arm gets a warm-up round, then the arms are measured in interleaved rounds (A B A B A B):
 * whatever else the machine is doing falls on every arm alike. Server CPU time is read from
 * /proc/<pid>/stat right before and right after each round.
 */
import type { LoadResult } from '../child/result.js'
import type { Server } from './children.js'
import { cpuSeconds, memory } from './proc.js'
import type { Load } from './wrk.js'

export interface Options {
  connections: number
  /** Seconds of warm-up per arm. */
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
  /** Server CPU time per request, microseconds (all servers of the arm together). */
  cpuPerRequest: number
  /** Server CPU seconds per wall second (1.0 = one core busy). */
  cpuUtil: number
  /** Peak RSS of the (largest) server over its life so far, MiB. */
  peakRss: number
  rss: number
  failed: string | null
  /** What the side loads (not reported as the arm's rate) did, over the rounds. */
  side: LoadResult[]
}

export interface Arm {
  label: string
  /** Whose CPU and memory are measured (the raw argon2 arm: its own process, `pids`). */
  servers: Server[]
  pids?: number[]
  /** The reported loads (their rates add up: one generator per instance). */
  loads: Load[]
  /** Loads that run during this arm's rounds only, not reported as its rate (a login flood). */
  side?: Load[]
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer))
}

/** Merges one load's rounds into one result. */
function merge(rounds: LoadResult[]): LoadResult {
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
    spent: Math.max(0, ...rounds.map((r) => r.spent)),
    exhausted: rounds.some((r) => r.exhausted),
  }
}

interface Running {
  arm: Arm
  results: LoadResult[][]
  sideResults: LoadResult[][]
  cpu: number
  wall: number
}

const measuredPids = (arm: Arm) => arm.pids ?? arm.servers.map((server) => server.pid)

async function runRound(r: Running, seconds: number, measured: boolean): Promise<void> {
  const limit = (seconds + 60) * 1000
  // The side loads start first (and run a second longer), so the reported ones meet them from their first request.
  const side = (r.arm.side ?? []).map((load) => withTimeout(load.round(seconds + 1), limit, `${load.label} (side load)`))
  if (side.length > 0) await new Promise((resolve) => setTimeout(resolve, 300))
  const pids = measuredPids(r.arm)
  const cpu0 = pids.map(cpuSeconds)
  const t0 = performance.now()
  const results = await withTimeout(Promise.all(r.arm.loads.map((load) => load.round(seconds))), limit, r.arm.label)
  const cpu = pids.reduce((acc, pid, i) => acc + cpuSeconds(pid) - cpu0[i]!, 0)
  const wall = (performance.now() - t0) / 1000
  const sideResults = await Promise.all(side)
  if (!measured) return
  r.cpu += cpu
  r.wall += wall
  for (const [i, result] of results.entries()) r.results[i]!.push(result)
  for (const [i, result] of sideResults.entries()) r.sideResults[i]!.push(result)
}

function summarize(r: Running): Measurement {
  const merged = r.results.map(merge)
  const side = r.sideResults.map(merge)
  const all = merge(merged)
  const mem = measuredPids(r.arm).map(memory)
  return {
    label: r.arm.label,
    rps: merged.reduce((acc, m) => acc + m.rps, 0),
    p50: Math.max(...merged.map((m) => m.p50)),
    p99: Math.max(...merged.map((m) => m.p99)),
    requests: all.requests,
    errors: all.errors,
    non2xx: all.non2xx,
    timeouts: all.timeouts,
    cpuPerRequest: all.requests > 0 ? (r.cpu / all.requests) * 1e6 : NaN,
    cpuUtil: r.cpu / r.wall,
    peakRss: Math.max(...mem.map((x) => x.peak)),
    rss: Math.max(...mem.map((x) => x.rss)),
    failed: failure([...merged, ...side]),
    side,
  }
}

/** Warms up each arm, then measures the arms in interleaved rounds; closes every load. */
export async function measureArms(arms: Arm[], options: Pick<Options, 'rounds' | 'duration' | 'warmup'>): Promise<Measurement[]> {
  const running: Running[] = arms.map((arm) => ({ arm, results: arm.loads.map(() => []), sideResults: (arm.side ?? []).map(() => []), cpu: 0, wall: 0 }))
  const perRound = Math.max(1, Math.round(options.duration / options.rounds))
  try {
    if (options.warmup > 0) for (const r of running) await runRound(r, options.warmup, false)
    for (let round = 0; round < options.rounds; round++) for (const r of running) await runRound(r, perRound, true)
    return running.map(summarize)
  } finally {
    for (const arm of arms) for (const load of [...arm.loads, ...(arm.side ?? [])]) load.close()
  }
}

/** A run with any error, timeout, status ≥ 400 or exhausted pool is a failure, whatever its rate. */
export function failure(results: LoadResult[]): string | null {
  const problems: string[] = []
  for (const r of results) {
    if (r.exhausted) problems.push('session pool exhausted')
    if (r.errors > 0) problems.push(`${r.errors} socket errors`)
    if (r.timeouts > 0) problems.push(`${r.timeouts} timeouts`)
    if (r.non2xx > 0) problems.push(`${r.non2xx} answers with status ≥ 400`)
    if (r.requests === 0) problems.push('no responses')
  }
  return problems.length > 0 ? problems.join('; ') : null
}
