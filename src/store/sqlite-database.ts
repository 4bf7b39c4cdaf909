import type BetterSqlite3 from 'better-sqlite3'
import {
  type CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely'
import { Checkpointer } from './checkpointer.js'
import { createPrivateDatabaseFile, restrictSideFiles } from './file-modes.js'
import { BUSY_TIMEOUT_MS, WriteQueue } from './write-queue.js'

type Statement = BetterSqlite3.Statement<unknown[], unknown>

/**
 * The one SQLite connection of a process, as Tessera uses it: WAL (readers never wait for the
 * writer, durable at every checkpoint with `synchronous = NORMAL`), statements kept prepared, and
 * every write through one WriteQueue, so a lock held elsewhere never blocks the event loop for more
 * than BUSY_TIMEOUT_MS.
 */
export class SqliteDatabase {
  readonly queue: WriteQueue
  /** Runs the WAL checkpoints on a worker thread (none for `:memory:`). */
  readonly checkpointer: Checkpointer | undefined
  readonly #prepared = new Map<string, Statement>()
  /** One transaction function for every `transaction` call (better-sqlite3 builds a wrapper per `transaction()`). */
  readonly #immediate: (work: () => unknown) => unknown
  /** Statements run so far (every run goes through `prepare`): what bench/lib/queries.ts counts. */
  statements = 0

  private constructor(
    readonly connection: BetterSqlite3.Database,
    writeTimeout: number,
    location: string,
  ) {
    const checkpointer = location === ':memory:' ? undefined : new Checkpointer(location, (text) => connection.pragma(text), () => this.queue.retryNow())
    this.checkpointer = checkpointer
    this.queue = new WriteQueue(writeTimeout, undefined, checkpointer ? () => checkpointer.wrote() : undefined)
    this.#immediate = connection.transaction((work: () => unknown) => work()).immediate
  }

  static async open(location: string, writeTimeout: number): Promise<SqliteDatabase> {
    const { default: SQLite } = await import('better-sqlite3')
    const created = location !== ':memory:' && createPrivateDatabaseFile(location)
    const connection = new SQLite(location)
    connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    connection.pragma('journal_mode = WAL')
    if (created) restrictSideFiles(location)
    connection.pragma('synchronous = NORMAL')
    connection.pragma('foreign_keys = ON')
    return new SqliteDatabase(connection, writeTimeout, location)
  }

  /** Tessera's queries are a few dozen fixed texts; bounded in case a caller builds dynamic SQL. */
  prepare(sql: string): Statement {
    this.statements++
    let statement = this.#prepared.get(sql)
    if (!statement) {
      statement = this.connection.prepare(sql)
      if (this.#prepared.size < 500) this.#prepared.set(sql, statement)
    }
    return statement
  }

  /**
   * Runs `work` as one synchronous transaction (`BEGIN IMMEDIATE`: the write lock is taken first, so
   * a refusal comes before any statement ran) through the write queue. On any error SQLite's
   * transaction is rolled back (better-sqlite3 skips the ROLLBACK when SQLite already did it, as on
   * a full disk) and the original error is the one thrown.
   */
  transaction<T>(work: () => T): Promise<T> {
    return this.queue.run(() => this.#immediate(work) as T)
  }

  /** The checkpointer's connection first: the last one to close checkpoints the WAL and removes it. */
  async close(): Promise<void> {
    this.queue.clear(new Error('the database is closed'))
    await this.checkpointer?.close()
    this.connection.close()
  }
}

/**
 * Kysely over a SqliteDatabase. Unlike Kysely's own SQLite driver it holds no connection mutex
 * (better-sqlite3 runs each statement to completion, so statements cannot interleave) and sends
 * writes through the write queue. Kysely transactions are refused: held across awaits on the one
 * connection, they would take in whatever else runs meanwhile; the store runs its transactions
 * synchronously (SqliteDatabase.transaction). Kysely's migrator needs none on SQLite.
 */
export class SqliteDialect implements Dialect {
  constructor(private readonly database: SqliteDatabase) {}
  createAdapter = () => new SqliteAdapter()
  createQueryCompiler = () => new SqliteQueryCompiler()
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect interface takes any database
  createIntrospector = (db: Kysely<any>) => new SqliteIntrospector(db)
  createDriver(): Driver {
    const connection = new SqliteConnection(this.database)
    const refuse = () => Promise.reject(new Error('Kysely transactions are not used on SQLite: run the statements in SqliteDatabase.transaction'))
    return {
      init: async () => {},
      acquireConnection: async () => connection,
      beginTransaction: refuse,
      commitTransaction: refuse,
      rollbackTransaction: refuse,
      releaseConnection: async () => {},
      destroy: () => this.database.close(),
    }
  }
}

class SqliteConnection implements DatabaseConnection {
  constructor(private readonly database: SqliteDatabase) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.database.prepare(query.sql)
    const parameters = query.parameters as unknown[]
    const execute = (): QueryResult<R> => {
      if (statement.reader) return { rows: statement.all(parameters) as R[] }
      const { changes, lastInsertRowid } = statement.run(parameters)
      return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) }
    }
    if (!statement.readonly) return this.database.queue.run(execute)
    try {
      return Promise.resolve(execute())
    } catch (error) {
      return Promise.reject(error)
    }
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not used on SQLite')
  }
}
