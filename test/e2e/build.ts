/**
 * The CLI and end-to-end tests run the built `bin/tessera.js`, as a user would. `ensureBuilt()` runs
 * `scripts/build-if-needed.js` (what `npm start` runs) once per test run, under a lock so that two test
 * files running in parallel never compile into dist/ at the same time.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'tessera.js')
const LOCK = join(ROOT, 'node_modules', '.tessera-build-lock')
const STALE_MS = 5 * 60_000

async function acquire(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_MS) rmdirSync(LOCK)
      } catch {
        // Released meanwhile.
      }
      await sleep(100)
    }
  }
}

export async function ensureBuilt(): Promise<void> {
  await acquire()
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], { cwd: ROOT, stdio: 'pipe' })
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer }
    throw new Error(`npm run build failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`)
  } finally {
    rmdirSync(LOCK)
  }
}
