import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** Commits (a batch of transactions, or a single statement) before the worker starts: a short-lived or quiet database never needs one. */
export const CHECKPOINT_AFTER_WRITES = 200
/** While writes come in, a checkpoint starts at most this often (ms): each write is synced to disk within about this time. */
export const CHECKPOINT_INTERVAL_MS = 100
/**
 * Frames in the WAL at which the worker also checkpoints the tail written meanwhile (RESTART): under
 * constant writes a PASSIVE checkpoint never catches up with the last commit, and SQLite starts the
 * WAL over only once every frame is in the database. About 32 MiB with 4 KiB pages.
 */
export const RESTART_FRAMES = 8000
/** SQLite's own threshold (pages in the WAL) while the worker runs: the safety net if the worker stalls. */
export const FALLBACK_AUTOCHECKPOINT = 10_000
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000

/**
 * The checkpointer thread: a second connection to the same file, which copies the WAL into the
 * database and syncs both when told. PASSIVE never takes the write lock: the main connection keeps
 * writing meanwhile. `eval`, so that it needs no file of its own next to this one (tsx and dist/ alike).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const SQLite = require(workerData.driver)
const db = new SQLite(workerData.file, { fileMustExist: true })
db.pragma('synchronous = NORMAL')
// RESTART waits this long (here, on the worker) for the write lock and for readers to move on.
db.pragma('busy_timeout = 1000')
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close()
    parentPort.close()
    return
  }
  try {
    let [result] = db.pragma('wal_checkpoint(PASSIVE)')
    // The tail: the main connection's writes wait for it (SQLITE_BUSY, retried by its write queue).
    // First another PASSIVE, so that only what came in meanwhile is left for the time the lock is held.
    if (result.log >= workerData.restartFrames && result.checkpointed < result.log) {
      db.pragma('wal_checkpoint(PASSIVE)')
      result = db.pragma('wal_checkpoint(RESTART)')[0]
    }
    parentPort.postMessage({ log: result.log, checkpointed: result.checkpointed })
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) })
  }
})
`

export interface CheckpointResult {
  /** Frames in the WAL, and how many of them are now in the database file. */
  log: number
  checkpointed: number
}

/**
 * SQLite's WAL checkpoints off the event loop. SQLite checkpoints in the committing connection once
 * the WAL holds 1,000 pages: it copies them into the database file and syncs the WAL and the
 * database (`synchronous = NORMAL` syncs only there), and better-sqlite3 being synchronous, the
 * event loop stands still for those syncs (milliseconds on every ~100 rotations). Here a worker
 * thread with its own connection runs them instead, at most every CHECKPOINT_INTERVAL_MS while
 * writes come in (so a commit reaches the disk sooner than at SQLite's page threshold, never later).
 * Once the WAL holds RESTART_FRAMES the worker also checkpoints the tail with the write lock held
 * (RESTART), so that the WAL starts over under constant writes: the main connection's writes then
 * meet SQLITE_BUSY and wait in its write queue (an attempt waits BUSY_TIMEOUT_MS at most), reads go
 * on. The main connection checkpoints itself only at FALLBACK_AUTOCHECKPOINT, should the worker stall.
 * If the worker fails, SQLite's default comes back. Nothing changes for a commit's atomicity.
 */
export class Checkpointer {
  #worker: Worker | undefined
  #writes = 0
  #running = false
  #pending = false
  #lastStart = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false
  /** Checkpoints the worker has finished, and the last one's result (for tests and the bench). */
  done = 0
  last: CheckpointResult | undefined

  constructor(
    private readonly file: string,
    /** Runs a pragma on the main connection (`wal_autocheckpoint`). */
    private readonly pragma: (text: string) => unknown,
    /** After each checkpoint: the writes that met its lock may try again at once. */
    private readonly released: () => void = () => {},
  ) {}

  /** After every committed write (in the writer's turn: one counter and a clock read). */
  wrote(): void {
    if (this.#closed) return
    if (!this.#worker) {
      if (++this.#writes === CHECKPOINT_AFTER_WRITES) this.#start()
      return
    }
    if (this.#running || this.#timer) {
      this.#pending = true
      return
    }
    const wait = this.#lastStart + CHECKPOINT_INTERVAL_MS - performance.now()
    if (wait <= 0) this.#request()
    else this.#timer = setTimeout(() => this.#request(), wait).unref()
  }

  #start(): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: this.file, restartFrames: RESTART_FRAMES }, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 } })
    worker.unref()
    this.#worker = worker
    worker.once('online', () => this.#closed || this.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT}`))
    worker.on('message', (message: CheckpointResult | { error: string }) => {
      this.#running = false
      this.released()
      if ('error' in message) return this.#fail()
      this.done++
      this.last = message
      if (this.#pending) this.wrote()
    })
    worker.once('error', () => this.#fail())
    worker.once('exit', () => this.#fail())
  }

  #request(): void {
    this.#timer = undefined
    this.#pending = false
    this.#running = true
    this.#lastStart = performance.now()
    this.#worker?.postMessage('checkpoint')
  }

  /** The worker is gone or cannot checkpoint: SQLite checkpoints in the main connection again, as by default. */
  #fail(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    void this.#worker?.terminate()
    this.#worker = undefined
    this.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`)
  }

  /** Closes the worker's connection and waits for the thread to end (before the main connection closes). */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    const worker = this.#worker
    this.#worker = undefined
    if (!worker) return
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.postMessage('close')
    const timer = setTimeout(() => void worker.terminate(), 5000)
    await exited
    clearTimeout(timer)
  }
}
