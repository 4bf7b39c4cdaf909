import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The PostgreSQL server tests use (trust auth); override with TESSERA_TEST_PG_URL. */
export const PG_ADMIN_URL = process.env.TESSERA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** The URL of database `name` on the test server. */
export function pgUrl(name: string, base = PG_ADMIN_URL): string {
  const url = new URL(base)
  url.pathname = `/${name}`
  return url.toString()
}

let reachable: Promise<string | undefined> | undefined

/** undefined when the test server answers; otherwise why not, for a skip message. */
export function pgUnavailable(): Promise<string | undefined> {
  return (reachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.query('select 1')
      return undefined
    } catch (error) {
      return `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${error instanceof Error ? error.message : String(error)}); set TESSERA_TEST_PG_URL`
    } finally {
      await client.end().catch(() => {})
    }
  })())
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

export interface PgDatabase {
  name: string
  url: string
  /** Drops the database, disconnecting whoever is still in it. */
  drop(): Promise<void>
}

/** A fresh, empty database for one test app or suite: `tessera_t_<pid>_<random>`. */
export async function createPgDatabase(label = 't'): Promise<PgDatabase> {
  const name = `tessera_${label}_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  return {
    name,
    url: pgUrl(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  }
}

/** Runs one statement on a test database, outside Tessera (to look at rows or count connections). */
export async function pgQuery<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end().catch(() => {})
  }
}
