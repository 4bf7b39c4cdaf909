import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * The SQLite database holds password hashes (and sealed signing keys): only Tessera's own user may read it.
 * The data directory is made 0700 and a new database file 0600; SQLite gives its -wal and -shm files the
 * mode of the database file, and the ones of a new database are set explicitly too. Files that already
 * exist keep their mode (the operator may have reasons), but a looser one is warned about at every start.
 */
const POSIX = process.platform !== 'win32'
const SIDE_FILES = ['-wal', '-shm']

/** Creates the directory and an empty database file, both private, when absent; true when it created the file. */
export function createPrivateDatabaseFile(location: string): boolean {
  mkdirSync(dirname(location), { recursive: true, mode: 0o700 })
  if (existsSync(location)) return false
  try {
    closeSync(openSync(location, 'wx', 0o600))
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false // another process created it just now
    throw error
  }
}

/** For a database this process created: -wal and -shm are private too, whatever was left next to it. */
export function restrictSideFiles(location: string): void {
  if (!POSIX) return
  for (const suffix of ['', ...SIDE_FILES]) if (existsSync(location + suffix)) chmodSync(location + suffix, 0o600)
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0')

/** What is open to other users than the owner: the directory beyond 0700, the files beyond 0600. */
export function looseModeWarnings(location: string): string[] {
  if (!POSIX) return []
  const warnings: string[] = []
  const dir = dirname(location)
  const dirMode = statSync(dir).mode
  if ((dirMode & 0o077) !== 0) warnings.push(`the database directory ${dir} is open to other users (mode ${octal(dirMode)}): chmod 700 ${dir}`)
  for (const path of [location, ...SIDE_FILES.map((suffix) => location + suffix)]) {
    if (!existsSync(path)) continue
    const mode = statSync(path).mode
    if ((mode & 0o077) !== 0) warnings.push(`the database file ${path} is readable by other users (mode ${octal(mode)}): chmod 600 ${path}`)
  }
  return warnings
}
