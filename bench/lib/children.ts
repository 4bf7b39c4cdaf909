/**
 * Child processes of a run: servers (Tessera, the bare baseline) and load generators, all compiled
 * into bench/.build. Every child is tracked and killed by its pid if the runner stops early.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { LoadResult, LoadSpec } from '../child/load.js'
import { BUILD_DIR } from './build.js'

const live = new Set<ChildProcess>()
function killAll(): void {
  for (const child of live) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL')
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll()
    process.exit(130)
  })
}

const script = (name: string) => join(BUILD_DIR, 'bench', 'child', `${name}.js`)


function fork(name: string, env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, script(name)], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

function nextMessage<T>(child: ChildProcess, type: string, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no '${type}' within ${timeoutMs} ms`)), timeoutMs)
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type === type) done(undefined, message as T)
      else if (message.type === 'error') done(new Error(`${what}: ${message.message}`))
    }
    const onExit = (code: number | null) => done(new Error(`${what} exited (code ${code}) before '${type}'`))
    function done(error?: Error, value?: T) {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve(value!)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

export interface Server {
  name: string
  pid: number
  url: string
  /** What the server said when ready (Tessera: the size of its revocation set). */
  ready: { port: number; revoked?: number }
  stop(): Promise<void>
}

async function startServer(name: string, file: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Server> {
  const child = fork(file, env, nodeArgs)
  const ready = await nextMessage<{ port: number; revoked?: number }>(child, 'ready', name, 60_000)
  return {
    name,
    pid: child.pid!,
    url: `http://127.0.0.1:${ready.port}`,
    ready,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.send({ type: 'stop' })
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Tessera with `env` (its whole environment). `profileDir` turns on `node --cpu-prof`. */
export function startTessera(env: Record<string, string>, profileDir?: string, name = 'tessera'): Promise<Server> {
  return startServer(name, 'tessera-server', env, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])
}

export function startBare(profileDir?: string): Promise<Server> {
  return startServer('bare', 'bare-server', { NODE_ENV: 'production' }, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])
}

export interface Load {
  spec: LoadSpec
  pid: number
  /** Resolves when the load is ready for its next round (the warm-up is over) and waits for `go()`. */
  ready(): Promise<void>
  /** Starts the round; resolves with its result. */
  go(): Promise<LoadResult>
  stop(): void
}

/** Every message of a child, kept until asked for: a message may arrive before anyone waits for it. */
function mailbox(child: ChildProcess, what: string) {
  const queued: { type: string; message?: string }[] = []
  const waiting: { type: string; resolve: (m: unknown) => void; reject: (e: Error) => void }[] = []
  let gone: Error | undefined
  const deliver = () => {
    for (let i = 0; i < waiting.length; i++) {
      const w = waiting[i]!
      const failed = queued.findIndex((m) => m.type === 'error')
      if (failed >= 0) gone ??= new Error(`${what}: ${queued[failed]!.message}`)
      const at = queued.findIndex((m) => m.type === w.type)
      if (at >= 0) w.resolve(queued.splice(at, 1)[0])
      else if (gone) w.reject(gone)
      else continue
      waiting.splice(i--, 1)
    }
  }
  child.on('message', (m: { type: string }) => {
    queued.push(m)
    deliver()
  })
  child.once('exit', (code) => {
    gone ??= new Error(`${what} exited (code ${code})`)
    deliver()
  })
  return <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.push({ type, resolve: resolve as (m: unknown) => void, reject })
      deliver()
    })
}

/** Starts a load generator; it warms up at once, then runs `spec.rounds` rounds, each on `go()`. */
export function startLoad(spec: LoadSpec): Load {
  const child = fork('load', { NODE_ENV: 'production', ...(spec.uvThreadpoolSize && { UV_THREADPOOL_SIZE: spec.uvThreadpoolSize }) })
  const next = mailbox(child, `load ${spec.kind} → ${spec.url}`)
  child.send({ type: 'run', spec })
  return {
    spec,
    pid: child.pid!,
    ready: () => next<unknown>('measuring').then(() => undefined),
    go() {
      const result = next<{ result: LoadResult }>('result').then((m) => m.result)
      child.send({ type: 'go' })
      return result
    },
    stop() {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL')
    },
  }
}
