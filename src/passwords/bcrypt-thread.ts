/**
 * bcrypt comparisons on a worker thread. bcryptjs is pure JavaScript: on the main thread a cost-12
 * compare stalls every request for its chunks (`/healthz` went from 1 ms to 215 ms at cost 14). One
 * worker is enough: the legacy queue (hasher.ts) bounds how many comparisons wait for it.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// Plain CommonJS, evaluated: the same file works from the TypeScript sources and from the build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const bcrypt = require(workerData.bcryptjs)
parentPort.on('message', ({ id, secret, hash }) => {
  let ok = false
  try { ok = bcrypt.compareSync(secret, hash) } catch {}
  parentPort.postMessage({ id, ok })
})
`

let worker: Worker | undefined
let nextId = 0
const pending = new Map<number, (ok: boolean) => void>()

function start(): Worker {
  const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptjs: createRequire(import.meta.url).resolve('bcryptjs') } })
  started.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
    pending.get(id)?.(ok)
    pending.delete(id)
    if (pending.size === 0) started.unref()
  })
  // A dead worker fails what it held as "no match"; the next comparison starts a new one.
  const fail = () => {
    if (worker === started) worker = undefined
    for (const settle of pending.values()) settle(false)
    pending.clear()
  }
  started.on('error', fail)
  started.on('exit', fail)
  started.unref()
  return started
}

/** bcrypt's compare of `secret` with a `$2b$…` hash, off the event loop. Never throws. */
export function compareBcrypt(secret: string, hash: string): Promise<boolean> {
  worker ??= start()
  const id = nextId++
  // Referenced while a comparison is in flight, so a CLI waits for it; unreferenced when idle.
  worker.ref()
  return new Promise((resolve) => {
    pending.set(id, resolve)
    worker!.postMessage({ id, secret, hash })
  })
}
