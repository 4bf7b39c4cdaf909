/**
 * At most `limit` tasks at once; the rest wait in arrival order. Argon2 runs on libuv's thread pool
 * (4 threads), and on a 2-core machine four hashes at once leave the request thread a fifth of the CPU:
 * a login flood would starve every authenticated GET. Bounding the hashes keeps a core for requests.
 */
export function createSemaphore(limit: number) {
  let active = 0
  const waiting: (() => void)[] = []
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else active--
  }
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active < limit) active++
    else await new Promise<void>((resolve) => waiting.push(resolve))
    try {
      return await task()
    } finally {
      release()
    }
  }
}
