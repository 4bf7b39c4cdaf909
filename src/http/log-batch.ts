import { pino } from 'pino'

/** Bytes of log lines gathered into one write. */
const BATCH_BYTES = 16 * 1024
/** How long a quiet server's last lines wait for their write. */
const FLUSH_INTERVAL_MS = 250

/**
 * pino's destination for the server's stdout: lines are gathered in memory and handed to an asynchronous
 * sonic-boom ~16 KiB at a time. A write per line (a hand-off to libuv's thread pool and back) cost as much
 * as the request it logged, and sonic-boom's own `minLength` buffering measures its growing buffer on
 * every line. Lines wait at most FLUSH_INTERVAL_MS; `flushSync` writes everything now (exit, crash, close).
 */
export class BatchedStdout {
  readonly #out = pino.destination({ dest: 1, sync: false })
  #lines: string[] = []
  #bytes = 0
  #closed = false
  readonly #timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS).unref()
  readonly #onExit = () => this.flushSync()

  constructor() {
    process.on('exit', this.#onExit)
  }

  /** pino's DestinationStream: one serialized line. */
  write(line: string): void {
    if (this.#closed) return void this.#out.write(line)
    this.#lines.push(line)
    // UTF-16 units, not bytes: a threshold, so close enough.
    this.#bytes += line.length
    if (this.#bytes >= BATCH_BYTES) this.flush()
  }

  /** Hands the gathered lines to the asynchronous writer. */
  flush(): void {
    if (this.#lines.length === 0) return
    const chunk = this.#lines.join('')
    this.#lines = []
    this.#bytes = 0
    this.#out.write(chunk)
  }

  /** Writes every line now, synchronously. */
  flushSync(): void {
    this.flush()
    try {
      this.#out.flushSync()
    } catch {
      // Not open yet, or closed: nothing of ours is buffered there.
    }
  }

  /**
   * Writes what is left and stops batching: later lines (the last of a shutdown) go straight to the
   * asynchronous writer, which pino flushes when the process exits. Stdout itself stays open.
   */
  close(): void {
    this.flushSync()
    this.#closed = true
    clearInterval(this.#timer)
    process.off('exit', this.#onExit)
  }
}
