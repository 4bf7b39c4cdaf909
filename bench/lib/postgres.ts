/**
 * The same traffic on PostgreSQL, with one instance and with two instances sharing one database
 * (the scale-out setup; each instance gets its own load generator and half the connections).
 * pg-refresh has a target (≥ 0.25 of bare); the others are informational. Skipped, not failed, when PostgreSQL is not
 * there or Tessera's PostgreSQL store does not work yet.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { Kind, Pool } from '../child/shapes.js'
import { measureArms } from './measure.js'
import { arm, judge, load, poolFor, withTessera, type Run, type ScenarioResult } from './scenarios.js'

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

async function pgScenario(run: Run, name: string, kind: Kind, instances: 1 | 2, sessions: number, min?: number): Promise<ScenarioResult> {
  return withDatabase((url) =>
    withTessera(run, name, { users: 200, sessions }, async ({ server, poolFile, another }) => {
      // Each instance gets its own share of the pool, so no two requests ever spend one session.
      const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as Pool
      const files = Array.from({ length: instances }, (_, i) => {
        const file = join(run.dir, name, `pool-${i}.json`)
        writeFileSync(file, JSON.stringify({ ...pool, sessions: pool.sessions.filter((_, j) => j % instances === i) }))
        return file
      })
      const servers = [server]
      if (instances === 2) servers.push(await another(`${name}-2`))
      const connections = Math.ceil(run.options.connections / instances)
      const label = `${name} (Tessera ×${instances}, PostgreSQL)`
      const loads = servers.map((s, i) => load(run, s, kind, files[i]!, connections))
      if (instances === 2) {
        const [tessera] = await measureArms([{ label, servers, loads }], run.options)
        return { name, rows: [tessera!], notes: ['two instances on one database, each with its own wrk and half the connections (2 cores shared by 2 servers, 2 generators and PostgreSQL)'] }
      }
      const [tessera, bare] = await measureArms([{ label, servers, loads }, arm(`${name} (bare)`, run.bare, load(run, run.bare, kind, files[0]!))], run.options)
      const value = tessera!.rps / bare!.rps
      return {
        name,
        rows: [tessera!, bare!],
        ratio: { value, of: 'bare' },
        ...(min !== undefined && { target: judge(tessera!.failed || bare!.failed ? 0 : value, min, `≥ ${min.toFixed(2)} of bare`) }),
        notes: [`server CPU per request ${(tessera!.cpuPerRequest / bare!.cpuPerRequest).toFixed(2)}× bare's (PostgreSQL's own CPU is not counted)`],
      }
    }, { extraEnv: { DATABASE_URL: url } }),
  )
}

export async function postgresScenarios(run: Run): Promise<ScenarioResult[]> {
  try {
    await admin((c) => c.query('SELECT 1'))
  } catch (error) {
    return [{ name: 'postgres', rows: [], notes: [`skipped: PostgreSQL not reachable at ${ADMIN_URL} (${error instanceof Error ? error.message : String(error)})`] }]
  }
  type Plan = [string, Kind, 1 | 2, number, number?]
  // --quick runs pg-refresh only (the one with a target).
  const scaleOut: Plan[] = [
    ['pg-2x-user', 'user', 2, 1000],
    ['pg-2x-refresh', 'refresh', 2, poolFor(run, 2000)],
  ]
  const plan: Plan[] = [...(run.quick ? [] : [['pg-user', 'user', 1, 1000] as Plan]), ['pg-refresh', 'refresh', 1, poolFor(run, 2000), 0.25], ...(run.quick ? [] : scaleOut)]
  const results: ScenarioResult[] = []
  for (const [name, kind, instances, sessions, min] of plan) {
    try {
      results.push(await pgScenario(run, name, kind, instances, sessions, min))
    } catch (error) {
      results.push({ name, rows: [], notes: [`skipped: ${error instanceof Error ? error.message : String(error)}`] })
    }
  }
  return results
}
