/**
 * Issue 16: SQLite's WAL checkpoints (the copy into the database file and its syncs) run on a worker
 * thread with a connection of its own, not in the committing call on the event loop. They still
 * happen, and sooner than SQLite's page threshold would run them; the last connection to close
 * still checkpoints the WAL away; a worker that cannot work hands the checkpoints back to SQLite.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import SQLite from 'better-sqlite3'
import { Checkpointer, CHECKPOINT_AFTER_WRITES, FALLBACK_AUTOCHECKPOINT } from '../../src/store/checkpointer.js'
import { SqliteDatabase } from '../../src/store/sqlite-database.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-checkpoint-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const until = async (what: string, ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function writes(db: SqliteDatabase, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await db.transaction(() => db.prepare('insert into t (v) values (?)').run('x'.repeat(2000)))
}

describe('SQLite checkpoints on a worker thread', () => {
  test('no worker for a database that was hardly written; after that, the worker checkpoints every frame and the event loop does not', async () => {
    const file = join(dir, 'a.sqlite3')
    const db = await SqliteDatabase.open(file, 1000)
    db.connection.exec('create table t (id integer primary key, v text)')
    await writes(db, CHECKPOINT_AFTER_WRITES - 10)
    assert.equal(db.checkpointer!.done, 0)
    assert.equal(db.connection.pragma('wal_autocheckpoint', { simple: true }), 1000, "SQLite's default until the worker runs")
    await writes(db, 20)
    await until('the worker', () => db.connection.pragma('wal_autocheckpoint', { simple: true }) === FALLBACK_AUTOCHECKPOINT)
    await writes(db, 50)
    await until('a checkpoint of every frame', () => db.checkpointer!.done > 0 && db.checkpointer!.last!.checkpointed === db.checkpointer!.last!.log)
    // What was checkpointed is in the database file itself: a reader that ignores the WAL sees it.
    const reader = new SQLite(file, { readonly: true })
    assert.equal((reader.prepare('select count(*) as n from t').get() as { n: number }).n, CHECKPOINT_AFTER_WRITES + 60)
    reader.close()
    await db.close()
    assert.equal(existsSync(`${file}-wal`), false, 'the last connection checkpointed the WAL and removed it')
  })

  test('a worker that cannot open the database gives the checkpoints back to SQLite', async () => {
    const pragmas: string[] = []
    const checkpointer = new Checkpointer(join(dir, 'missing.sqlite3'), (text) => pragmas.push(text))
    for (let i = 0; i < CHECKPOINT_AFTER_WRITES; i++) checkpointer.wrote()
    await until('the fallback', () => pragmas.includes('wal_autocheckpoint = 1000'))
    await checkpointer.close()
  })

  test('an in-memory database has no checkpointer', async () => {
    const db = await SqliteDatabase.open(':memory:', 1000)
    assert.equal(db.checkpointer, undefined)
    await db.close()
  })
})
