import { resolve } from 'node:path'
import { Kysely, Migrator, PostgresDialect, type MigrationResultSet, type PostgresPool, type PostgresPoolClient } from 'kysely'
import { TesseraError } from '../errors.js'
import { CheckedStore } from './checked-store.js'
import { looseModeWarnings } from './file-modes.js'
import { PostgresStore } from './postgres-store.js'
import { preparedName } from './pg-prepared.js'
import { SqliteDatabase, SqliteDialect } from './sqlite-database.js'
import { SqliteStore } from './sqlite-store.js'
import { migrationProvider, type Dialect } from './migrations.js'
import type { Database } from './schema.js'
import { describeUsernameCollisions, findUsernameCollisions } from './username-collisions.js'

export interface DatabaseTarget {
  dialect: Dialect
  /** File path or ':memory:' for SQLite; the connection URL for PostgreSQL. */
  location: string
}

/** `DATABASE_URL`: a plain path or `sqlite:` URL is SQLite, `postgres://`/`postgresql://` is PostgreSQL. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', location: url }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^(sqlite|file):/i.test(url)) {
    throw new TesseraError('ERR_CONFIG_INVALID', `DATABASE_URL must be a file path, a sqlite: URL or a postgres:// URL (got '${url.replace(/\/\/[^@/]*@/, '//***@')}')`)
  }
  const path = url.replace(/^(sqlite|file):(\/\/)?/i, '')
  if (path === '') throw new TesseraError('ERR_CONFIG_INVALID', 'DATABASE_URL names no SQLite file')
  return { dialect: 'sqlite', location: path === ':memory:' ? path : resolve(path) }
}

export interface StoreOptions {
  /** PostgreSQL pool size and timeouts (ms). */
  poolSize?: number
  connectTimeout?: number
  /** PostgreSQL: how long a statement may run. SQLite: how long a write may wait for the lock. Then 503. */
  statementTimeout?: number
  /** Shown in PostgreSQL's pg_stat_activity. */
  applicationName?: string
}

export interface OpenedStore {
  /** Checked: callers see Tessera's errors only (see CheckedStore). */
  store: CheckedStore
  db: Kysely<Database>
  dialect: Dialect
  /** The SQLite connection, when the database is SQLite. */
  sqlite: SqliteDatabase | undefined
  /** Applies pending migrations; `warnings` are what the operator must act on (reported on every run). */
  migrate(): Promise<MigrationResultSet & { warnings: string[] }>
}

async function createPostgresDialect(target: DatabaseTarget, options: StoreOptions) {
  const pg = await import('pg')
  const { Pool, types } = pg.default
  types.setTypeParser(types.builtins.INT8, (value: string) => Number(value))
  const timeout = options.statementTimeout ?? 5000
  const pool = new Pool({
    connectionString: target.location,
    max: options.poolSize ?? 10,
    // Bounds both opening a connection and waiting for a free one in a full pool: either way the
    // request gets a 503 instead of hanging while the database is away.
    connectionTimeoutMillis: options.connectTimeout ?? 3000,
    statement_timeout: timeout,
    // The client-side bound for a server or network that has stopped answering altogether.
    query_timeout: timeout + 500,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: options.applicationName ?? 'tessera',
  })
  // An idle client that loses its server emits 'error' on the pool; without a listener that is a crash.
  pool.on('error', () => {})
  return new PostgresDialect({ pool: discardTimedOut(pool) })
}

type PgPool = InstanceType<(typeof import('pg'))['default']['Pool']>

/**
 * Two guards pg-pool leaves to its user:
 * - a checked-out client has no 'error' listener (the pool's is for idle clients), and pg emits
 *   'error' when the server drops the connection, even mid-query: unhandled, that kills the process
 *   at the first PostgreSQL restart. The query fails with the same error, which is what the request sees;
 * - a client whose query timed out on the client side may still have that query in flight on a dead
 *   socket; handed back, it would make the next request wait too. Both kinds are destroyed on
 *   release, so the pool heals with fresh connections once the server is back.
 */
function discardTimedOut(pool: PgPool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect()
      let broken = false
      const onError = () => {
        broken = true
      }
      client.on('error', onError)
      const query = (...args: unknown[]): unknown => {
        const name = typeof args[0] === 'string' ? preparedName(args[0]) : undefined
        // A marked text runs as a named prepared statement (pg-prepared.ts); everything else as it came.
        const result: unknown = name
          ? client.query({ name, text: args[0] as string, values: args[1] as unknown[] })
          : Reflect.apply(client.query, client, args)
        if (!(result instanceof Promise)) return result // a cursor (streaming)
        return result.catch((error: unknown) => {
          if (error instanceof Error && /Query read timeout|Connection terminated/i.test(error.message)) broken = true
          throw error
        })
      }
      return {
        query: query as PostgresPoolClient['query'],
        release: () => {
          client.off('error', onError)
          client.release(broken || undefined)
        },
      }
    },
    end: () => pool.end(),
  }
}

/** How long one migration statement (or the wait for another instance's migrations) may take on PostgreSQL. */
export const MIGRATION_TIMEOUT_MS = 60_000

/** Opens the database named by `DATABASE_URL`; call `migrate()` before use. */
export async function openStore(url: string, options: StoreOptions = {}): Promise<OpenedStore> {
  const target = parseDatabaseUrl(url)
  const sqlite = target.dialect === 'sqlite' ? await SqliteDatabase.open(target.location, options.statementTimeout ?? 5000) : undefined
  const db = new Kysely<Database>({ dialect: sqlite ? new SqliteDialect(sqlite) : await createPostgresDialect(target, options) })
  const store = new CheckedStore(sqlite ? new SqliteStore(db, sqlite) : new PostgresStore(db))
  return {
    store,
    db,
    dialect: target.dialect,
    sqlite,
    async migrate() {
      // Kysely's migrator takes a lock (an advisory lock on PostgreSQL), so instances starting together are safe.
      // On PostgreSQL it runs on a connection of its own whose statements may take MIGRATION_TIMEOUT_MS: the
      // schema changes, and the wait for another instance's, are no request to answer within DB_TIMEOUT.
      const migrating = sqlite ? db : new Kysely<Database>({ dialect: await createPostgresDialect(target, { ...options, poolSize: 1, statementTimeout: Math.max(options.statementTimeout ?? 0, MIGRATION_TIMEOUT_MS) }) })
      const migrator = new Migrator({ db: migrating, provider: migrationProvider(target.dialect), migrationTableName: 'tessera_migration', migrationLockTableName: 'tessera_migration_lock' })
      const result = await migrator.migrateToLatest().finally(() => (migrating === db ? undefined : migrating.destroy()))
      if (result.error) throw new TesseraError('ERR_STORE_MIGRATION', `migration failed: ${result.error instanceof Error ? result.error.message : String(result.error)}`, { cause: result.error })
      const fileWarnings = sqlite && target.location !== ':memory:' ? looseModeWarnings(target.location) : []
      return { ...result, warnings: [...fileWarnings, ...describeUsernameCollisions(await findUsernameCollisions(db))] }
    },
  }
}
