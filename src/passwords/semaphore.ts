/**
 * At most `limit` tasks at once; the rest wait in arrival order. Argon2 runs on libuv's thread pool
 * (4 threads), and on a 2-core machine four hashes at once leave the request thread a fifth of the CPU:
 * a login flood would starve every authenticated GET. Bounding the hashes keeps a core for requests.
 * With `maxWaiting`, a task that would wait behind that many others is refused at once (`onFull`'s
 * error): a queue of slow work that only grows helps nobody.
 */
export function createSemaphore(limit: number, maxWaiting = Infinity, onFull: () => Error = () => new Error('queue full')) {
  let active = 0
  const waiting: (() => void)[] = []
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else active--
  }
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active < limit) active++
    else if (waiting.length >= maxWaiting) throw onFull()
    else await new Promise<void>((resolve) => waiting.push(resolve))
    try {
      return await task()
    } finally {
      release()
    }
  }
}
