/**
 * The ceiling of login: argon2id verifications with @node-rs/argon2 alone, with the server's
 * parameters and the same concurrency, in a process of its own. The runner sends `{ seconds }` for
 * each round (interleaved with the login rounds) and gets `{ result }` back. ARGON2_BENCH holds
 * `{ params, concurrency }`.
 */
import { hash, verify } from '@node-rs/argon2'
import type { Algorithm } from '@node-rs/argon2'
import type { LoadResult } from './result.js'

export interface Argon2Params {
  memoryCost: number
  timeCost: number
  parallelism: number
}

const PASSWORD = 'correct horse battery staple'
const { params, concurrency } = JSON.parse(process.env.ARGON2_BENCH ?? '{}') as { params: Argon2Params; concurrency: number }
// `Algorithm.Argon2id` is a const enum (empty at run time): spell out its value, as src/passwords does.
const encoded = await hash(PASSWORD, { algorithm: 2 as Algorithm, ...params })
const latencies: number[] = []

async function worker(until: number): Promise<void> {
  while (performance.now() < until) {
    const t0 = performance.now()
    if (!(await verify(encoded, PASSWORD))) throw new Error('argon2 verify failed')
    latencies.push(performance.now() - t0)
  }
}

async function round(seconds: number): Promise<LoadResult> {
  latencies.length = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, () => worker(t0 + seconds * 1000)))
  const duration = (performance.now() - t0) / 1000
  const sorted = [...latencies].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  return { requests: sorted.length, duration, rps: sorted.length / duration, p50: at(0.5), p99: at(0.99), errors: 0, timeouts: 0, non2xx: 0, spent: 0, exhausted: false }
}

process.on('message', (message: { seconds: number }) => {
  void round(message.seconds).then((result) => process.send!({ result }))
})
process.on('disconnect', () => process.exit(0))
