import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { TEST_ENV } from '../support/app.js'

const CLI = fileURLToPath(new URL('./tessera-cli.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Run {
  child: ChildProcess
  output: () => string
  exit: Promise<number | null>
}

/** Runs `tessera <args>` from source in its own process, with the test settings plus `env`. */
export function tessera(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...process.env, ...TEST_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exit }
}
