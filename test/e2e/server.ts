/**
 * A real Tessera server for the end-to-end suite, started the way the README says: build, create a user
 * with `tessera createuser`, then `tessera serve` on HOST/PORT with DATABASE_URL and SECRET_KEY set.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { runCli } from '../cli/run.js'
import { BIN, ensureBuilt } from './build.js'

export interface RunningServer {
  url: string
  env: Record<string, string>
  /** The server's output so far (for failure messages). */
  output(): string
  stop(): Promise<void>
}

/** A port that was free a moment ago (the server cannot report the one it picked for PORT=0). */
async function freePort(): Promise<number> {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as { port: number }
  probe.close()
  await once(probe, 'close')
  return port
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tessera serve exited with ${child.exitCode}:\n${output()}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {
      // Not listening yet.
    }
    await sleep(100)
  }
  throw new Error(`tessera serve did not answer within 30 s:\n${output()}`)
}

/** Builds if needed, creates alice, and serves; `env` adds settings. */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  await ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'))
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATABASE_URL: join(dir, 'tessera.sqlite3'),
    SECRET_KEY: 'e2e-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz',
    ...env,
  }
  const created = await runCli(['createuser', '--username', 'alice', '--first-name', 'Alice', '--last-name', 'Liddell'], {
    cwd: dir,
    // Blank values undo runCli's cheap test settings: the user is made exactly as in production.
    env: { ...base, ARGON2_MEMORY_COST: '', ARGON2_TIME_COST: '', RATE_LIMIT_ENABLED: '', LOG_LEVEL: '', TESSERA_PASSWORD: 'correct horse battery' },
  })
  if (created.code !== 0) throw new Error(`createuser failed: ${created.stderr}`)

  // The port was free when probed; if another process took it meanwhile, try again on another.
  for (let attempt = 1; ; attempt++) {
    const port = attempt === 1 ? Number(base.PORT) : await freePort()
    const serveEnv = { ...base, PORT: String(port) }
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: dir, env: serveEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let log = ''
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000)
    }
    child.stdout!.on('data', keep)
    child.stderr!.on('data', keep)
    const url = `http://127.0.0.1:${port}`
    try {
      await waitUntilUp(url, child, () => log)
    } catch (error) {
      child.kill('SIGKILL')
      if (attempt < 3 && /EADDRINUSE/.test(log)) continue
      rmSync(dir, { recursive: true, force: true })
      throw error
    }
    return running(url, serveEnv, child, () => log, dir)
  }
}

function running(url: string, env: Record<string, string>, child: ChildProcess, output: () => string, dir: string): RunningServer {
  return {
    url,
    env,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
