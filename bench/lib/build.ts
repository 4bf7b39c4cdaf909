/**
 * Compiles src/ and bench/child/ into bench/.build with tsc (the same compiler and settings as
 * `npm run build`), so the servers run plain JavaScript as in production, without a TypeScript
 * loader in the process, and without touching dist/ (which other work may be using).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
export const ROOT = join(BENCH_DIR, '..')
export const BUILD_DIR = join(BENCH_DIR, '.build')

export function build(): void {
  rmSync(BUILD_DIR, { recursive: true, force: true })
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc')
  const result = spawnSync(tsc, ['-p', join(BENCH_DIR, 'tsconfig.build.json')], { cwd: ROOT, encoding: 'utf8' })
  const emitted = ['tessera-cli', 'bare-server', 'argon2'].every((name) => existsSync(join(BUILD_DIR, 'bench', 'child', `${name}.js`)))
  if (!emitted) throw new Error(`tsc emitted nothing:\n${result.stdout}${result.stderr}`)
  // Type errors elsewhere in the tree (work in progress) do not stop the emit; say so and carry on.
  if (result.status !== 0) console.warn(`warning: tsc reported type errors (the build was emitted anyway):\n${result.stdout.trim()}`)
}
