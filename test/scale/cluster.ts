import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { optionsFromEnv } from '../../src/config/index.js'
import { buildServer } from '../../src/http/index.js'
import { TEST_ENV } from '../support/app.js'
import { createPgDatabase, type PgDatabase } from '../support/postgres.js'

export const REDIS_URL = process.env.TESSERA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'

/** undefined when the test Redis answers; otherwise why not, for a skip message. */
export async function redisUnavailable(): Promise<string | undefined> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
    return undefined
  } catch (error) {
    return `Redis is not reachable at ${REDIS_URL} (${error instanceof Error ? error.message : String(error)}); set TESSERA_TEST_REDIS_URL`
  } finally {
    client.disconnect()
  }
}

/** A Redis key prefix of our own, so parallel test runs (and other engineers) never share counters or channels. */
export const testRedisPrefix = () => `tessera-test:${process.pid}:${randomBytes(4).toString('hex')}:`

/** Deletes every key under `prefix`. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 })
  client.on('error', () => {})
  try {
    const keys = await client.keys(`${prefix}*`)
    if (keys.length > 0) await client.del(...keys)
  } finally {
    client.disconnect()
  }
}

export interface Instance {
  name: string
  app: FastifyInstance
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Every log line at warn and above (JSON, as pino writes them). */
  warnings: string[]
}

/**
 * Starts one Tessera exactly as `tessera serve` does (it opens, migrates and owns its pool; its own
 * Redis connections), listening on a loopback port.
 */
export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-scale-'))
  const options = optionsFromEnv({ ...TEST_ENV, DATA_DIR: dir, LOG_LEVEL: 'warn', ...env })
  const warnings: string[] = []
  const app = await buildServer({ ...options, logger: { level: 'warn', stream: { write: (line: string) => void warnings.push(line) } } })
  app.addHook('onClose', async () => rmSync(dir, { recursive: true, force: true }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  return { name, app, url: `http://127.0.0.1:${port}`, warnings }
}

export interface Cluster {
  instances: Instance[]
  database: PgDatabase
  env: Record<string, string>
  close(): Promise<void>
}

/**
 * `count` instances on one fresh PostgreSQL database (and Redis under a fresh prefix unless `env`
 * says otherwise), started at the same moment, so their migrations race as a deployment's would.
 */
export async function startCluster(count: number, env: Record<string, string> = {}, databaseUrl?: (real: string) => string): Promise<Cluster> {
  const database = await createPgDatabase('scale')
  const prefix = testRedisPrefix()
  const shared = { DATABASE_URL: databaseUrl ? databaseUrl(database.url) : database.url, REDIS_URL, REDIS_PREFIX: prefix, ...env }
  for (const [key, value] of Object.entries(shared)) if (value === '') delete shared[key as keyof typeof shared]
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startInstance(String.fromCharCode(65 + i), shared)))
  const instances = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const close = async () => {
    await Promise.all(instances.map((i) => i.app.close()))
    await database.drop()
    if (shared.REDIS_URL === REDIS_URL) await dropRedisPrefix(prefix)
  }
  const failed = started.find((r) => r.status === 'rejected')
  if (failed) {
    await close()
    throw failed.reason
  }
  return { instances, database, env: shared, close }
}

/** Polls `check` every `step` ms until it is true; returns the milliseconds it took, or throws after `limit`. */
export async function waitUntil(check: () => Promise<boolean>, limit: number, step = 10): Promise<number> {
  const started = performance.now()
  for (;;) {
    if (await check()) return performance.now() - started
    if (performance.now() - started > limit) throw new Error(`condition not met within ${limit} ms`)
    await new Promise((resolve) => setTimeout(resolve, step))
  }
}
