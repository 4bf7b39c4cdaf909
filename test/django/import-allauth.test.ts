import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { allauthEmails } from '../../src/migrate/allauth-emails.js'
import { readDjangoUsers } from '../../src/migrate/index.js'
import type { Store } from '../../src/auth/index.js'
import { openStore } from '../../src/store/index.js'
import { TEST_ENV } from '../support/app.js'
import { createPgDatabase, pgUnavailable, type PgDatabase } from '../support/postgres.js'
import { copyFixture, djangoMissing, runCli } from './support.js'

const PYTHON = '/usr/bin/python3'
const TOOL = fileURLToPath(new URL('../../scripts/django/djangotool.py', import.meta.url))
const allauthMissing = (): string | false => {
  const missing = djangoMissing()
  if (missing) return missing
  const probe = spawnSync(PYTHON, ['-c', 'import allauth'], { stdio: 'ignore' })
  return probe.status === 0 ? false : `${PYTHON} cannot import allauth: apt-get install python3-django-allauth (.ci/run does)`
}

test('allauthEmails: the primary address wins; else the row for the user’s own email, without regard to case; else nothing', () => {
  const users = [
    { id: 1, email: 'a@example.com' },
    { id: 2, email: '' },
    { id: 3, email: 'C@Example.com' },
    { id: 4, email: 'd@example.com' },
    { id: 5, email: 'e@example.com' },
  ]
  const rows = [
    { user_id: 1, email: 'a@example.com', verified: false, primary: true },
    { user_id: 1, email: 'a@work.example', verified: true, primary: false },
    { user_id: 2, email: 'b@example.com', verified: true, primary: true },
    { user_id: 3, email: 'c@example.com', verified: true, primary: false },
    { user_id: 4, email: 'other@example.com', verified: true, primary: false },
  ]
  assert.deepEqual(
    [...allauthEmails(users, rows)],
    [
      [1, { email: 'a@example.com', verified: false }],
      [2, { email: 'b@example.com', verified: true }],
      [3, { email: 'C@Example.com', verified: true }],
    ],
  )
})

describe("import-django with django-allauth's account_emailaddress, made by allauth's own migrations", { skip: allauthMissing() }, () => {
  const dirs: string[] = []
  let django: ReturnType<typeof copyFixture>
  let db: string
  before(() => {
    django = copyFixture()
    dirs.push(django.dir)
    execFileSync(PYTHON, [TOOL, 'allauth', django.path], { encoding: 'utf8', timeout: 60_000 })
    const dir = mkdtempSync(join(tmpdir(), 'tessera-import-'))
    dirs.push(dir)
    db = join(dir, 'tessera.sqlite3')
  })
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })
  const importDjango = (...args: string[]) => runCli(['import-django', '--from', django.path, ...args], { ...TEST_ENV, DATABASE_URL: db })
  async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    const opened = await openStore(db)
    try {
      return await fn(opened.store)
    } finally {
      await opened.store.close()
    }
  }
  const email = (store: Store, username: string) => store.findUserByUsername(username).then((u) => ({ email: u!.email, email_verified: u!.email_verified }))
  const editDjango = (statement: string) => {
    const sqlite = new SQLite(django.path)
    sqlite.prepare(statement).run()
    sqlite.close()
  }

  test('verified flags and primary addresses are imported; users without a row stay unverified', async () => {
    const run = await importDjango()
    assert.equal(run.code, 0, run.err)
    assert.match(run.out, /Created 8, updated 0, unchanged 0\./)
    assert.match(run.out, /Took the email address of 4 user\(s\) from django-allauth's account_emailaddress \(3 verified\)\./)
    await withStore(async (store) => {
      assert.deepEqual(await email(store, 'alice'), { email: 'alice@example.com', email_verified: true })
      // Her confirmed second address does not make the primary one confirmed.
      assert.deepEqual(await email(store, 'bob'), { email: 'bob@example.com', email_verified: false })
      // auth_user.email is empty; allauth's primary address is hers.
      assert.deepEqual(await email(store, 'carol'), { email: 'carol@example.com', email_verified: true })
      assert.deepEqual(await email(store, 'frank'), { email: 'frank@example.com', email_verified: true })
      assert.deepEqual(await email(store, 'admin'), { email: 'admin@example.com', email_verified: false })
    })
    assert.match((await importDjango()).out, /Created 0, updated 0, unchanged 8\./)
  })

  test('a confirmation made in Django later is carried over; a new address without a row is unconfirmed', async () => {
    editDjango("update account_emailaddress set verified = 1 where email = 'bob@example.com'")
    // Confirmed in Tessera (no allauth row): kept while the address stays, dropped when Django changes it.
    await withStore(async (store) => {
      const admin = await store.findUserByUsername('admin')
      await store.updateUser(admin!.id, { email_verified: true })
    })
    assert.match((await importDjango()).out, /Created 0, updated 1, unchanged 7\./)
    editDjango("update auth_user set email = 'root@example.com' where username = 'admin'")
    assert.match((await importDjango()).out, /Created 0, updated 1, unchanged 7\./)
    await withStore(async (store) => {
      assert.deepEqual(await email(store, 'bob'), { email: 'bob@example.com', email_verified: true })
      assert.deepEqual(await email(store, 'admin'), { email: 'root@example.com', email_verified: false })
    })
  })

  test('an account_emailaddress without allauth’s columns is a clear error, and nothing is written', async () => {
    const broken = copyFixture()
    dirs.push(broken.dir)
    const sqlite = new SQLite(broken.path)
    sqlite.exec('create table account_emailaddress (id integer primary key, user_id integer, email text)')
    sqlite.close()
    const run = await runCli(['import-django', '--from', broken.path], { ...TEST_ENV, DATABASE_URL: join(broken.dir, 'tessera.sqlite3') })
    assert.equal(run.code, 1)
    assert.match(run.err, /table account_emailaddress has no column verified, primary: not django-allauth's EmailAddress table/)
  })
})

describe('account_emailaddress on PostgreSQL', () => {
  let source: PgDatabase | undefined
  let skip: string | undefined
  before(async () => {
    skip = await pgUnavailable()
    if (skip) return
    source = await createPgDatabase()
    const client = new pg.Client({ connectionString: source.url })
    await client.connect()
    try {
      // allauth 0.51's `sqlmigrate account 0001` on PostgreSQL (real booleans), and a minimal user table.
      await client.query(
        'create table auth_user (id serial primary key, username varchar(150) not null unique, password varchar(128) not null, email varchar(254) not null)',
      )
      await client.query(
        'create table account_emailaddress (id serial primary key, email varchar(254) not null unique, verified boolean not null, "primary" boolean not null, user_id integer not null references auth_user (id))',
      )
      await client.query(
        "insert into auth_user (id, username, password, email) values (1, 'alice', '!', 'alice@example.com'), (2, 'bob', '!', 'bob@example.com')",
      )
      await client.query(
        "insert into account_emailaddress (email, verified, \"primary\", user_id) values ('alice@example.com', true, true, 1), ('BOB@example.com', false, false, 2)",
      )
    } finally {
      await client.end()
    }
  })
  after(() => source?.drop())

  test('reads the flags as the SQLite reader does', async (t) => {
    if (skip) return t.skip(skip)
    const users = await readDjangoUsers(source!.url)
    assert.deepEqual(
      users.map((u) => [u.username, u.email, u.email_verified]),
      [
        ['alice', 'alice@example.com', true],
        ['bob', 'bob@example.com', false],
      ],
    )
  })
})
