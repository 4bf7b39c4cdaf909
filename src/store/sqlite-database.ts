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

/** One transaction of a batch: its work, its promise, and how its last run went. */
interface Part {
  work: () => unknown
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  failed: boolean
  value: unknown
}

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
  /** The batch's transaction (`BEGIN IMMEDIATE`), and each of its parts' savepoint inside it. */
  readonly #immediate: (batch: Part[]) => void
  readonly #savepoint: (work: () => unknown) => unknown
  /** The transactions asked for in this turn of the event loop: one commit at its end (group commit). */
  #batch: Part[] = []
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
    this.#immediate = connection.transaction((batch: Part[]) => {
      for (const part of batch) this.#runPart(part)
    }).immediate
    this.#savepoint = connection.transaction((work: () => unknown) => work())
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
   * Runs `work` as one synchronous, atomic transaction, committed together with the others asked for
   * in the same turn of the event loop (group commit): at the end of the turn they run in arrival
   * order in one `BEGIN IMMEDIATE … COMMIT` through the write queue, each in a savepoint of its own.
   * A commit's cost (a WAL frame for every page it changed, the WAL index and its locks) is then
   * paid once per batch: the pages that several of them change are written once. Under load that
   * took a rotation from 10 pages of WAL to 3, and its CPU in the store from 160–220 µs to 95–105
   * (bench/RESULTS.md). Each `work` sees the writes of those before it; one that throws is rolled
   * back alone and its promise rejected with its error. An error that ends the whole transaction
   * (SQLite rolls it back itself, as on a full disk, or the COMMIT fails) rejects every part of the
   * batch with it: none of them was committed. A refused write lock comes before any part ran, and
   * the write queue retries the batch.
   */
  transaction<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#batch.length === 0) setImmediate(() => this.#commit())
      this.#batch.push({ work, resolve: resolve as (value: unknown) => void, reject, failed: false, value: undefined })
    })
  }

  #commit(): void {
    const batch = this.#batch
    this.#batch = []
    if (batch.length === 0) return
    this.queue.run(() => this.#immediate(batch)).then(
      () => {
        for (const part of batch) part.failed ? part.reject(part.value) : part.resolve(part.value)
      },
      (error: unknown) => {
        for (const part of batch) part.reject(error)
      },
    )
  }

  /** Inside the batch's transaction (the queue may run it again after SQLITE_BUSY: each run starts afresh). */
  #runPart(part: Part): void {
    try {
      part.value = this.#savepoint(part.work)
      part.failed = false
    } catch (error) {
      // SQLite ended the whole transaction (better-sqlite3 rolls back a savepoint only if one is left).
      if (!this.connection.inTransaction) throw error
      part.value = error
      part.failed = true
    }
  }

  /** The checkpointer's connection first: the last one to close checkpoints the WAL and removes it. */
  async close(): Promise<void> {
    this.#commit() // the transactions of this turn still run (or fail with the rest of the queue)
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
