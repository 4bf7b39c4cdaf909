import { StoreUnavailableError } from '../errors.js'

/**
 * How long one attempt may wait for SQLite's write lock (its `busy_timeout`). better-sqlite3 waits
 * synchronously, so this is how long the event loop can stand still: a few milliseconds, not the
 * 5 s that SQLite programs usually set. Longer waits happen between attempts (WriteQueue).
 */
export const BUSY_TIMEOUT_MS = 5

/** Pauses between attempts while another connection holds the lock: short at first, then capped. */
const FIRST_PAUSE_MS = 1
const MAX_PAUSE_MS = 25

const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

interface Job {
  write: () => unknown
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  deadline: number
}

/**
 * SQLite's writes, one at a time and in arrival order. A write runs at once (synchronously, in the
 * caller's turn) while nothing waits; when it finds the lock taken (another process is writing, or
 * holds `BEGIN EXCLUSIVE`), it is retried on later turns of the event loop until its deadline, and
 * the writes that come in meanwhile queue behind it instead of each spending a blocked attempt. A
 * write still locked out at its deadline fails with StoreUnavailableError (a 503). Reads never come
 * here: in WAL mode they do not wait for writers.
 *
 * A write must be safe to run again after SQLITE_BUSY: one statement, or one transaction (which
 * SQLite has rolled back when it was refused the lock).
 */
export class WriteQueue {
  readonly #waiting: Job[] = []
  #pause = FIRST_PAUSE_MS
  #timer: NodeJS.Timeout | undefined

  constructor(
    /** Milliseconds a write may wait for the lock (DB_TIMEOUT). */
    private readonly deadlineMs: number,
    private readonly now: () => number = () => performance.now(),
    /** Called after every write that went through (SqliteDatabase's checkpointer counts them). */
    private readonly afterWrite: () => void = () => {},
  ) {}

  run<T>(write: () => T): Promise<T> {
    if (this.#waiting.length === 0) {
      try {
        const result = write()
        this.afterWrite()
        return Promise.resolve(result)
      } catch (error) {
        if (!isBusy(error)) return Promise.reject(error)
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ write, resolve: resolve as (value: unknown) => void, reject, deadline: this.now() + this.deadlineMs })
      if (this.#waiting.length === 1) this.#retryLater()
    })
  }

  /** Writes waiting for the lock (for tests and metrics). */
  get waiting(): number {
    return this.#waiting.length
  }

  /** The lock was just released (the checkpointer is done with it): the waiting writes try at once, not after their pause. */
  retryNow(): void {
    if (this.#waiting.length === 0) return
    clearTimeout(this.#timer)
    this.#pause = FIRST_PAUSE_MS
    this.#drain()
  }

  /** Fails every waiting write (the store is closing). */
  clear(error: unknown): void {
    clearTimeout(this.#timer)
    for (const job of this.#waiting.splice(0)) job.reject(error)
  }

  #retryLater(): void {
    const head = this.#waiting[0]
    if (!head) return
    const pause = Math.min(this.#pause, Math.max(0, head.deadline - this.now()))
    this.#pause = Math.min(this.#pause * 2, MAX_PAUSE_MS)
    this.#timer = setTimeout(() => this.#drain(), pause)
  }

  #drain(): void {
    while (this.#waiting.length > 0) {
      const job = this.#waiting[0]!
      try {
        const result = job.write()
        this.#waiting.shift()
        this.#pause = FIRST_PAUSE_MS
        this.afterWrite()
        job.resolve(result)
      } catch (error) {
        if (isBusy(error) && this.now() < job.deadline) {
          this.#retryLater()
          return
        }
        this.#waiting.shift()
        job.reject(isBusy(error) ? new StoreUnavailableError(error) : error)
      }
    }
  }
}
