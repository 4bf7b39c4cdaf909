/** Runs the built `tessera` command in a child process, the way a user types it. */
import { spawn } from 'node:child_process'
import { BIN } from '../e2e/build.js'
import { TEST_ENV } from '../support/app.js'

export { ensureBuilt } from '../e2e/build.js'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * `tessera <args>` with a minimal environment (cheap argon2, the test key) plus `env`, in `cwd` (a temp
 * directory, so no stray ./.env or ./data is read), with `input` on a non-TTY stdin.
 */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string; cwd: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...TEST_ENV, NODE_ENV: 'development', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}
