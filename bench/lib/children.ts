/**
 * Child processes of a run: servers (Tessera as `npm start` runs it, the bare baseline, peer
 * targets), wrk rounds and the raw argon2 process. Every child is tracked and killed by its pid if
 * the runner stops early.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Argon2Params } from '../child/argon2.js'
import type { LoadResult } from '../child/result.js'
import { BENCH_DIR, BUILD_DIR, ROOT } from './build.js'
import type { Load } from './wrk.js'

const live = new Set<ChildProcess>()
function killAll(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL')
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll()
    process.exit(130)
  })
}

/** Kills `child` with the run if the run stops first. */
export function track(child: ChildProcess): ChildProcess {
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

const script = (name: string) => join(BUILD_DIR, 'bench', 'child', `${name}.js`)
const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' })
const profileArgs = (dir?: string) => (dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [])
/** The Node flags of package.json's `start` script (V8's heap sizing): Tessera runs as `npm start` runs it. */
const START_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ').filter((arg) => arg.startsWith('--'))

/** A port nobody listens on now (the OS picks it; the server binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

async function waitReady(url: string, child: ChildProcess, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited (code ${child.exitCode}) before answering ${url}`)
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what}: ${url} did not answer within ${timeoutMs / 1000} s`)
}

export interface Server {
  name: string
  pid: number
  url: string
  stop(): Promise<void>
}

interface ProcessOptions {
  env: Record<string, string>
  /** Where stdout goes (a server's request log): a file, or nowhere. */
  stdoutFile?: string
  cwd?: string
  /** The path that answers 200 once the server is up. */
  readyPath: string
}

async function startProcess(name: string, args: string[], options: ProcessOptions): Promise<Server> {
  const port = await freePort()
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'ignore'
  const child = track(spawn(process.execPath, args, { cwd: options.cwd, env: { ...baseEnv(), ...options.env, PORT: String(port) }, stdio: ['ignore', out, 'inherit'] }))
  if (typeof out === 'number') closeSync(out)
  const url = `http://127.0.0.1:${port}`
  await waitReady(url + options.readyPath, child, name)
  return {
    name,
    pid: child.pid!,
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      // SIGTERM: the servers close and exit normally (so that `--cpu-prof` writes its profile).
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/**
 * Tessera exactly as `npm start` runs it (`tessera serve`: the CLI's own entry, settings from `env`,
 * its request log on stdout, here into `logFile`), from the bench build, in `cwd` (no stray .env).
 */
export function startTessera(env: Record<string, string>, o: { cwd: string; logFile?: string; profileDir?: string; name?: string; build?: string }): Promise<Server> {
  const cli = o.build ? join(o.build, 'bench', 'child', 'tessera-cli.js') : script('tessera-cli')
  return startProcess(o.name ?? 'tessera', [...START_FLAGS, ...profileArgs(o.profileDir), cli], { env, cwd: o.cwd, stdoutFile: o.logFile, readyPath: '/healthz' })
}

export function startBare(profileDir?: string): Promise<Server> {
  return startProcess('bare', [...profileArgs(profileDir), script('bare-server')], { env: { NODE_ENV: 'production' }, readyPath: '/healthz' })
}

/** A peer target's server (bench/peers/<name>/server.mjs), which reads `env` and PORT. */
export function startPeer(name: string, env: Record<string, string>, readyPath: string, profileDir?: string): Promise<Server> {
  return startProcess(name, [...profileArgs(profileDir), join(BENCH_DIR, 'peers', name, 'server.mjs')], { env: { NODE_ENV: 'production', ...env }, cwd: join(BENCH_DIR, 'peers', name), readyPath })
}

/** The raw argon2 rate: a Node process verifying hashes, `concurrency` at a time, one round per call. */
export function argon2Load(label: string, params: Argon2Params, concurrency: number, uvThreadpoolSize?: string): Load & { pid: number } {
  const child = track(
    spawn(process.execPath, [script('argon2')], {
      env: { ...baseEnv(), NODE_ENV: 'production', ARGON2_BENCH: JSON.stringify({ params, concurrency }), ...(uvThreadpoolSize && { UV_THREADPOOL_SIZE: uvThreadpoolSize }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  return {
    label,
    pid: child.pid!,
    round(seconds) {
      return new Promise<LoadResult>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`${label} exited (code ${code})`))
        child.once('exit', onExit)
        child.once('message', (message: { result: LoadResult }) => {
          child.off('exit', onExit)
          resolve(message.result)
        })
        child.send({ seconds })
      })
    },
    close() {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL')
    },
  }
}
