import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openStore } from '../../src/store/index.js'

const mode = (path: string) => statSync(path).mode & 0o777
/** Another local account (nobody) tries to read the file, as the attacker of the finding would. Needs root to switch users. */
const AS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0
function readAsNobody(path: string): 'read' | 'refused' {
  const result = spawnSync(process.execPath, ['-e', 'require("node:fs").readFileSync(process.argv[1])', path], { uid: 65534, gid: 65534 })
  return result.status === 0 ? 'read' : 'refused'
}

describe('the SQLite database is private to its owner', { skip: process.platform === 'win32' ? 'POSIX modes only' : false }, () => {
  let base: string
  before(() => {
    process.umask(0o022) // the usual default, under which files are world-readable unless made otherwise
    base = mkdtempSync(join(tmpdir(), 'tessera-modes-'))
    chmodSync(base, 0o755) // a parent that others may enter, as /var/lib or a home directory often is
  })
  after(() => rmSync(base, { recursive: true, force: true }))

  test('a new data directory is 0700; the database, -wal and -shm are 0600; nobody else reads them', async () => {
    const location = join(base, 'data', 'nested', 'db.sqlite3')
    const opened = await openStore(location)
    const { warnings } = await opened.migrate()
    assert.equal(mode(join(base, 'data')), 0o700)
    assert.equal(mode(join(base, 'data', 'nested')), 0o700)
    for (const suffix of ['', '-wal', '-shm']) {
      assert.ok(existsSync(location + suffix), `${suffix || 'db'} exists while open`)
      assert.equal(mode(location + suffix), 0o600, `db${suffix}`)
    }
    assert.deepEqual(warnings, [])
    await opened.store.close()
  })

  test('a new database in an existing, open directory: the files alone keep other users out', { skip: AS_ROOT ? false : 'switching to another user needs root' }, async () => {
    const dir = join(base, 'shared')
    mkdirSync(dir, { mode: 0o755 })
    chmodSync(dir, 0o755)
    const location = join(dir, 'db.sqlite3')
    const opened = await openStore(location)
    await opened.migrate()
    for (const suffix of ['', '-wal', '-shm']) assert.equal(readAsNobody(location + suffix), 'refused', `db${suffix}`)
    await opened.store.close()
  })

  test('looser modes of existing files and directory are warned about at migrate (and so at every start)', async () => {
    const dir = join(base, 'loose')
    mkdirSync(dir)
    chmodSync(dir, 0o755)
    const location = join(dir, 'db.sqlite3')
    writeFileSync(location, '')
    chmodSync(location, 0o644)
    const opened = await openStore(location)
    const { warnings } = await opened.migrate()
    await opened.store.close()
    assert.ok(warnings.some((w) => w === `the database directory ${dir} is open to other users (mode 0755): chmod 700 ${dir}`), warnings.join('\n'))
    assert.ok(warnings.some((w) => w === `the database file ${location} is readable by other users (mode 0644): chmod 600 ${location}`), warnings.join('\n'))
    assert.equal(mode(location), 0o644, 'an existing file keeps its mode: the operator decides')
  })
})
