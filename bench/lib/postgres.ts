/**
 * The same traffic on PostgreSQL, with one instance and with two instances sharing one database
 * (the scale-out setup; each instance gets its own load generator and half the connections).
 * Informational: the targets are for SQLite. Skipped, not failed, when PostgreSQL is not
 * there or Tessera's PostgreSQL store does not work yet.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { Kind, Pool } from '../child/shapes.js'
import { startTessera, type Server } from './children.js'
import { measureArms } from './measure.js'
import { serverEnv, type Run, type ScenarioResult } from './scenarios.js'
import { seed } from './seed.js'

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A fresh database for one scenario, dropped afterwards whatever happens. */
async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `tessera_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  try {
    return await fn(ADMIN_URL.replace(/\/[^/]*$/, `/${name}`))
  } finally {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => {})
  }
}

async function pgScenario(run: Run, name: string, kind: Kind, instances: 1 | 2, sessions: number): Promise<ScenarioResult> {
  return withDatabase(async (url) => {
    const env = serverEnv(run, name, { DATABASE_URL: url })
    const poolFile = join(run.dir, name, 'pool.json')
    await seed(env, { users: 200, sessions }, poolFile)
    // Each generator gets its own half of the pool, so no two requests ever spend one session.
    const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as Pool
    const files = Array.from({ length: instances }, (_, i) => {
      const file = join(run.dir, name, `pool-${i}.json`)
      writeFileSync(file, JSON.stringify({ ...pool, sessions: pool.sessions.filter((_, j) => j % instances === i) }))
      return file
    })
    const servers: Server[] = []
    try {
      for (let i = 0; i < instances; i++) servers.push(await startTessera(env, run.profileDir && join(run.profileDir, `${name}-${i}`), `tessera-${i}`))
      const connections = Math.ceil(run.options.connections / instances)
      const perRound = run.options.duration / run.options.rounds
      const loads = servers.map((server, i) => ({ url: server.url, kind, poolFile: files[i]!, strict: true, connections, warmup: run.options.warmup, duration: perRound }))
      const label = `${name} (Tessera ×${instances}, PostgreSQL)`
      if (instances === 2) {
        const [tessera] = await measureArms([{ label, servers, loads }], run.options)
        return { name, rows: [tessera!], notes: ['two instances on one database, each with its own load generator and half the connections (2 cores shared by 2 servers, 2 generators and PostgreSQL)'] }
      }
      const bareLoad = { ...loads[0]!, url: run.bare.url, strict: false }
      const [tessera, bare] = await measureArms([{ label, servers, loads }, { label: `${name} (bare)`, servers: [run.bare], loads: [bareLoad] }], run.options)
      return { name, rows: [tessera!, bare!], ratio: { value: tessera!.rps / bare!.rps, of: 'bare' }, notes: [] }
    } finally {
      for (const server of servers) await server.stop()
    }
  })
}

export async function postgresScenarios(run: Run): Promise<ScenarioResult[]> {
  try {
    await admin((c) => c.query('SELECT 1'))
  } catch (error) {
    return [{ name: 'postgres', rows: [], notes: [`skipped: PostgreSQL not reachable at ${ADMIN_URL} (${error instanceof Error ? error.message : String(error)})`] }]
  }
  const plan: [string, Kind, 1 | 2, number][] = [
    ['pg-user', 'user', 1, 1000],
    ['pg-refresh', 'refresh', 1, Math.ceil(3000 * (run.options.warmup + run.options.duration))],
    ['pg-2x-user', 'user', 2, 1000],
    ['pg-2x-refresh', 'refresh', 2, Math.ceil(3000 * (run.options.warmup + run.options.duration))],
  ]
  const results: ScenarioResult[] = []
  for (const [name, kind, instances, sessions] of plan) {
    try {
      results.push(await pgScenario(run, name, kind, instances, sessions))
    } catch (error) {
      results.push({ name, rows: [], notes: [`skipped: ${error instanceof Error ? error.message : String(error)}`] })
    }
  }
  return results
}
