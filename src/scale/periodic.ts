/** A task on a timer: never two runs at once, and it does not keep the process alive by itself. */
export interface Periodic {
  /** Runs the task now, or once more right after the current run if one is under way; settles when that run is done. */
  runNow(): Promise<void>
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>
}

/** Runs `task` every `ms`. The task handles its own errors; a throw is swallowed so the timer lives on. */
export function every(ms: number, task: () => Promise<void>): Periodic {
  let running: Promise<void> | null = null
  /** The run asked for while one was going: it starts once that one ends, and serves every caller meanwhile. */
  let queued: Promise<void> | null = null
  let stopped = false

  const run = (): Promise<void> => {
    if (stopped) return Promise.resolve()
    if (running) {
      // A caller asking now (say, after a reconnect) wants a run that starts after its reason, and
      // its promise settles when that run is done, not the one going.
      queued ??= running.then(() => {
        queued = null
        return run()
      })
      return queued
    }
    running = task()
      .catch(() => {})
      .finally(() => {
        running = null
      })
    return running
  }

  const timer = setInterval(() => void run(), ms)
  timer.unref()
  return {
    runNow: run,
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
