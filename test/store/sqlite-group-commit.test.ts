/**
 * SqliteDatabase.transaction commits the transactions of one turn of the event loop together (group
 * commit), each in a savepoint of its own. What must hold: each one stays atomic and sees the writes
 * before it, one that fails is rolled back alone, an error that ends SQLite's whole transaction fails
 * every part (none was committed, so none may report success), and a refused lock retries the batch.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, test } from 'node:test'
import Database from 'better-sqlite3'
import { SqliteDatabase } from '../../src/store/sqlite-database.js'

let dir: string
let db: SqliteDatabase

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-group-commit-'))
  db = await SqliteDatabase.open(join(dir, 'db.sqlite3'), 1000)
  db.connection.exec('create table item (name text primary key)')
})

afterEach(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})

const insert = (name: string) => () => db.prepare('insert into item (name) values (?)').run(name).changes
const names = () => (db.connection.prepare('select name from item order by name').all() as { name: string }[]).map((row) => row.name)

/** Counts the write queue's runs: one per COMMIT. */
function countCommits(): () => number {
  const run = db.queue.run.bind(db.queue)
  let runs = 0
  db.queue.run = <T>(write: () => T) => {
    runs++
    return run(write)
  }
  return () => runs
}

test('the transactions asked for in one turn are committed together, in arrival order, each seeing the ones before it', async () => {
  const commits = countCommits()
  const seen: number[] = []
  const results = await Promise.all(
    ['a', 'b', 'c'].map((name) =>
      db.transaction(() => {
        insert(name)()
        seen.push((db.prepare('select count(*) n from item').get() as { n: number }).n)
        return name
      }),
    ),
  )
  assert.deepEqual(results, ['a', 'b', 'c'])
  assert.deepEqual(seen, [1, 2, 3])
  assert.equal(commits(), 1)
  await db.transaction(insert('d'))
  assert.equal(commits(), 2, 'a later turn commits on its own')
  assert.deepEqual(names(), ['a', 'b', 'c', 'd'])
})

test('a transaction that throws is rolled back alone, with its own error; the others of its batch commit', async () => {
  const outcomes = await Promise.allSettled([
    db.transaction(insert('a')),
    db.transaction(() => {
      insert('b')()
      insert('a')() // the primary key is taken: b's insert must go too
    }),
    db.transaction(insert('c')),
  ])
  assert.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  )
  assert.equal(((outcomes[1] as PromiseRejectedResult).reason as { code?: string }).code, 'SQLITE_CONSTRAINT_PRIMARYKEY')
  assert.deepEqual(names(), ['a', 'c'])
})

test('an error that ends the whole SQLite transaction fails every part of the batch, and none of it is left', async () => {
  const ended = new Error('SQLite rolled the transaction back')
  const outcomes = await Promise.allSettled([
    db.transaction(insert('a')),
    db.transaction(() => {
      // What SQLite does itself on some errors (a full disk, an I/O error): the transaction is gone.
      db.connection.exec('rollback')
      throw ended
    }),
    db.transaction(insert('c')),
  ])
  for (const outcome of outcomes) {
    assert.equal(outcome.status, 'rejected')
    assert.equal((outcome as PromiseRejectedResult).reason, ended)
  }
  assert.equal(db.connection.inTransaction, false)
  assert.deepEqual(names(), [])
  await db.transaction(insert('d'))
  assert.deepEqual(names(), ['d'], 'the next batch runs normally')
})

test('a batch refused the write lock is retried whole once it is free: every part runs once, none is lost', async () => {
  const other = new Database(join(dir, 'db.sqlite3'))
  other.exec('begin immediate')
  const pending = Promise.all(['a', 'b', 'c'].map((name) => db.transaction(insert(name))))
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.ok(db.queue.waiting > 0, 'the batch waits for the lock')
  other.exec('commit')
  other.close()
  assert.deepEqual(await pending, [1, 1, 1])
  assert.deepEqual(names(), ['a', 'b', 'c'])
})

test('closing the database still runs the transactions of the current turn', async () => {
  const done = db.transaction(insert('a'))
  const file = join(dir, 'db.sqlite3')
  await db.close()
  assert.equal(await done, 1)
  const reopened = new Database(file, { readonly: true })
  assert.deepEqual(reopened.prepare('select name from item').all(), [{ name: 'a' }])
  reopened.close()
  db = await SqliteDatabase.open(join(dir, 'again.sqlite3'), 1000)
})
