/**
 * The load generator: its own process, so the server's CPU is the server's alone. Driven over IPC by
 * the runner: `run` → warm-up → then for each round: `measuring` → waits for `go` (the runner samples
 * the server's CPU counters) → a measured round → `result`. Rounds let the runner interleave Tessera
 * and its baseline, so that load from elsewhere on the machine falls on both alike.
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { argon2Hammer, type Argon2Params } from './argon2.js'
import { consumesSessions, shapeSource, type Kind, type Pool, type ShapeSource } from './shapes.js'

export interface LoadSpec {
  url: string
  /** `argon2`: no HTTP, this process hashes passwords itself (`connections` at a time). */
  kind: Kind | 'argon2'
  argon2?: Argon2Params
  /** UV_THREADPOOL_SIZE of this process (the raw argon2 arm gets the server's). */
  uvThreadpoolSize?: string
  connections: number
  /** Seconds. */
  warmup: number
  /** Seconds of each measured round. */
  duration: number
  rounds: number
  poolFile?: string
  /** Refuse to reuse a spent session (Tessera); the baseline wraps around. */
  strict: boolean
}

export interface LoadResult {
  requests: number
  /** Seconds, as autocannon measured the run. */
  duration: number
  rps: number
  p50: number
  p99: number
  errors: number
  timeouts: number
  non2xx: number
  statusCodes: Record<string, number>
  spent: number
  exhausted: boolean
}

type Message = { type: 'run'; spec: LoadSpec } | { type: 'go' }

const send = (message: unknown) => process.send!(message)
let release: (() => void) | undefined

/** Warm-up, then each round when the runner says `go`. */
async function inRounds(spec: LoadSpec, round: (seconds: number) => Promise<LoadResult>): Promise<void> {
  if (spec.warmup > 0) await round(spec.warmup)
  for (let i = 0; i < spec.rounds; i++) {
    await new Promise<void>((resolve) => {
      release = resolve
      send({ type: 'measuring' })
    })
    send({ type: 'result', result: await round(spec.duration) })
  }
}

async function run(spec: LoadSpec): Promise<void> {
  if (spec.kind === 'argon2') return inRounds(spec, await argon2Hammer(spec.argon2!, spec.connections))
  const kind = spec.kind
  const pool: Pool = spec.poolFile ? (JSON.parse(readFileSync(spec.poolFile, 'utf8')) as Pool) : { sessions: [] }
  const source = shapeSource(kind, pool, new URL(spec.url).origin, spec.strict)
  const options = (duration: number): autocannon.Options => ({
    url: spec.url,
    connections: spec.connections,
    duration,
    timeout: 20,
    requests: [{ setupRequest: (request) => Object.assign(request, source.next()) }],
  })
  const spends = spec.strict && (kind === 'mixed' || consumesSessions(kind))
  return inRounds(spec, async (seconds) => {
    if (!spends) return summarize(await autocannon(options(seconds)), source)
    // Stop cleanly before the fresh sessions run out (each connection may hold one spare request).
    const left = pool.sessions.length - source.spent - 2 * spec.connections
    const instance = autocannon({ ...options(seconds), amount: Math.max(spec.connections, left * (kind === 'mixed' ? 20 : 1)) })
    const timer = setTimeout(() => instance.stop(), seconds * 1000)
    try {
      return summarize(await instance, source)
    } finally {
      clearTimeout(timer)
    }
  })
}

function summarize(result: autocannon.Result, source: ShapeSource): LoadResult {
  const statusCodes: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats)) statusCodes[code] = stat.count
  return {
    requests: result.requests.total,
    duration: result.duration,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    spent: source.spent,
    exhausted: source.exhausted,
  }
}

process.on('message', (message: Message) => {
  if (message.type === 'go') release?.()
  else if (message.type === 'run') {
    run(message.spec).then(
      () => process.disconnect(),
      (error: unknown) => {
        send({ type: 'error', message: error instanceof Error ? error.stack : String(error) })
        process.disconnect()
      },
    )
  }
})
