import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import SQLite from 'better-sqlite3'
import { parseDjangoTimestamp } from '../../src/migrate/index.js'
import { createPasswordHasher } from '../../src/passwords/index.js'
import { openStore, type OpenedStore } from '../../src/store/index.js'
import { TEST_ENV } from '../support/app.js'
import { copyFixture, FIXTURE, FIXTURE_INFO, fixtureUser, runCli } from './support.js'

const dirs: string[] = []
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A fresh path for Tessera's SQLite database (not created yet). */
function tesseraDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-import-'))
  dirs.push(dir)
  return join(dir, 'tessera.sqlite3')
}

const importDjango = (db: string, ...args: string[]) => runCli(['import-django', ...args], { ...TEST_ENV, DATABASE_URL: db })

async function withStore<T>(db: string, fn: (opened: OpenedStore) => Promise<T>): Promise<T> {
  const opened = await openStore(db)
  try {
    return await fn(opened)
  } finally {
    await opened.store.close()
  }
}

/** Edits the Django database as the Django project would (its own SQL, on a copy). */
function editDjango(path: string, statement: string, ...params: unknown[]): void {
  const db = new SQLite(path)
  db.prepare(statement).run(...params)
  db.close()
}

const djangoHashes = (() => {
  const db = new SQLite(FIXTURE, { readonly: true })
  const rows = db.prepare('select username, password from auth_user').all() as { username: string; password: string }[]
  db.close()
  return new Map(rows.map((r) => [r.username, r.password]))
})()

test("imports every user of a database made by Django's migrate, with their ids, hashes and times", async () => {
  const db = tesseraDb()
  const run = await importDjango(db, '--from', FIXTURE)
  assert.equal(run.code, 0, run.err)
  assert.match(run.out, /Read 8 user\(s\) from auth_user/)
  assert.match(run.out, /Created 8, updated 0, unchanged 0\./)
  assert.equal(run.err, '')
  await withStore(db, async ({ store }) => {
    for (const expected of FIXTURE_INFO.users) {
      const user = await store.findUserByUsername(expected.username)
      assert.ok(user, expected.username)
      assert.deepEqual(user, {
        id: expected.id,
        username: expected.username,
        email: expected.email,
        first_name: expected.first_name,
        last_name: expected.last_name,
        password: djangoHashes.get(expected.username),
        is_active: expected.is_active,
        is_staff: expected.is_staff,
        is_superuser: expected.is_superuser,
        date_joined: expected.date_joined_ms,
        last_login: expected.last_login_ms,
        // The fixture has no django-allauth table (account_emailaddress), so nothing is verified.
        email_verified: false,
      })
    }
    // Django's deleted user left a gap at id 3: the ids are Django's, not renumbered.
    assert.equal(await store.findUserById(3), null)
    assert.equal((await store.findUserByUsername('frank'))!.password!.startsWith('!'), true)
  })
})

test('a second run is idempotent: nothing created twice, nothing changed', async () => {
  const db = tesseraDb()
  await importDjango(db, '--from', FIXTURE)
  const again = await importDjango(db, '--from', FIXTURE)
  assert.equal(again.code, 0)
  assert.match(again.out, /Created 0, updated 0, unchanged 8\./)
  await withStore(db, async ({ db: kysely }) => {
    const { n } = await kysely.selectFrom('auth_user').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    assert.equal(Number(n), 8)
  })
})

test('--dry-run counts but writes nothing: not even a new database file', async () => {
  const db = tesseraDb()
  const run = await importDjango(db, '--from', FIXTURE, '--dry-run')
  assert.equal(run.code, 0, run.err)
  assert.match(run.out, /Would create 8, update 0, unchanged 0\. \(dry run: nothing was written\)/)
  assert.equal(existsSync(db), false)
})

test('--dry-run on an existing database reports the changes and leaves the rows as they were', async () => {
  const db = tesseraDb()
  const django = copyFixture()
  dirs.push(django.dir)
  await importDjango(db, '--from', django.path)
  editDjango(django.path, "update auth_user set email = 'alice@new.example' where username = 'alice'")
  const run = await importDjango(db, '--from', django.path, '--dry-run')
  assert.match(run.out, /Would create 0, update 1, unchanged 7\./)
  await withStore(db, async ({ store }) => assert.equal((await store.findUserByUsername('alice'))!.email, 'alice@example.com'))
})

test("a change made in Django is carried over, and a deactivation ends the user's Tessera sessions", async () => {
  const db = tesseraDb()
  const django = copyFixture()
  dirs.push(django.dir)
  await importDjango(db, '--from', django.path)
  const alice = fixtureUser('alice')
  const now = Date.now()
  await withStore(db, ({ store }) =>
    store.createSession(
      { id: 'alice-session', user_id: alice.id, created_at: now, last_used_at: now, user_agent: 'test', ip: '127.0.0.1', expires_at: now + 86_400_000, revoked_at: null, revoke_reason: null, client_key: '' },
      { jti: 'a'.repeat(32), session_id: 'alice-session', user_id: alice.id, parent_jti: null, issued_at_s: Math.floor(now / 1000), expires_at_s: Math.floor(now / 1000) + 86_400, used_at: null, successor_jti: null, revoked_at: null },
    ),
  )
  editDjango(django.path, "update auth_user set is_active = 0, last_name = 'Pleasance' where username = 'alice'")
  const run = await importDjango(db, '--from', django.path)
  assert.match(run.out, /Created 0, updated 1, unchanged 7\./)
  assert.match(run.out, /Revoked the Tessera sessions of 1 user\(s\).*alice/)
  await withStore(db, async ({ store }) => {
    const user = (await store.findUserByUsername('alice'))!
    assert.equal(user.is_active, false)
    assert.equal(user.last_name, 'Pleasance')
    assert.notEqual((await store.findSession('alice-session'))!.revoked_at, null)
    assert.notEqual((await store.findRefresh('a'.repeat(32)))!.revoked_at, null)
  })
})

test('a password Tessera manages (upgraded at login or changed there) is kept unless --overwrite-passwords', async () => {
  const db = tesseraDb()
  await importDjango(db, '--from', FIXTURE)
  const argon = await createPasswordHasher({ memoryCost: 1024, timeCost: 1 }).hash('changed in tessera')
  await withStore(db, async ({ store }) => store.updateUser(fixtureUser('bob').id, { password: argon }))
  const kept = await importDjango(db, '--from', FIXTURE)
  assert.match(kept.out, /Created 0, updated 0, unchanged 8\./)
  assert.match(kept.out, /Kept the Tessera password of 1 user\(s\).*\(bob\)/)
  await withStore(db, async ({ store }) => assert.equal((await store.findUserByUsername('bob'))!.password, argon))

  const overwritten = await importDjango(db, '--from', FIXTURE, '--overwrite-passwords')
  assert.match(overwritten.out, /Created 0, updated 1, unchanged 7\./)
  await withStore(db, async ({ store }) => assert.equal((await store.findUserByUsername('bob'))!.password, djangoHashes.get('bob')))
})

test('a Django id already taken in Tessera: that user gets a new id and the run warns against token interop', async () => {
  const db = tesseraDb()
  await withStore(db, async (opened) => {
    await opened.migrate()
    const root = await opened.store.createUser({ username: 'root', email: '', first_name: '', last_name: '', password: null, is_active: true, is_staff: true, is_superuser: true })
    assert.equal(root.id, 1)
  })
  const run = await importDjango(db, '--from', FIXTURE)
  assert.equal(run.code, 0)
  assert.match(run.out, /Created 8, updated 0, unchanged 0\./)
  // admin is Django's user 1; ids come after the largest kept id (9), never on one of them.
  assert.match(run.err, /1 user\(s\) do not have their Django id in Tessera \(admin: Django 1, Tessera 10\).*SIMPLEJWT_COMPAT/)
  await withStore(db, async ({ store }) => {
    assert.equal((await store.findUserById(1))!.username, 'root')
    assert.equal((await store.findUserByUsername('alice'))!.id, fixtureUser('alice').id)
  })
})

test('Django names that collide without regard to case are reported and not imported; none is merged into another', async () => {
  const db = tesseraDb()
  const django = copyFixture()
  dirs.push(django.dir)
  // Django's usernames are unique only as typed: 'Carol' (id 20) can sit next to 'carol' (id 5).
  const carolHash = djangoHashes.get('carol')!
  editDjango(django.path, "insert into auth_user (id, username, password, email, first_name, last_name, is_active, is_staff, is_superuser, date_joined) values (20, 'Carol', ?, '', '', '', 1, 0, 0, '2021-01-01 00:00:00')", 'pbkdf2_sha256$1$x$y')
  editDjango(django.path, "insert into auth_user (id, username, password, email, first_name, last_name, is_active, is_staff, is_superuser, date_joined) values (21, 'ＢＯＢ', ?, '', '', '', 1, 0, 0, '2021-01-01 00:00:00')", 'pbkdf2_sha256$1$x$y')
  // And Tessera may hold a name that Django has in another case.
  await withStore(db, async (opened) => {
    await opened.migrate()
    await opened.store.createUser({ username: 'Erin', email: '', first_name: '', last_name: '', password: null, is_active: true, is_staff: false, is_superuser: false })
  })
  const run = await importDjango(db, '--from', django.path)
  assert.equal(run.code, 0, run.err)
  assert.match(run.out, /Read 10 user\(s\)/)
  assert.match(run.out, /Created 7, updated 0, unchanged 0\./)
  assert.match(run.err, /warning: 3 user\(s\) were not imported: Tessera's usernames are unique without regard to case or width/)
  assert.match(run.err, /Carol \(Django 20\) is taken by carol/)
  assert.match(run.err, /ＢＯＢ \(Django 21\) is taken by bob/)
  assert.match(run.err, /erin \(Django 7\) is taken by Erin/)
  await withStore(db, async ({ store }) => {
    assert.equal((await store.findUserByUsername('carol'))!.password, carolHash, "the older Django carol, untouched by 'Carol'")
    assert.equal((await store.findUserByUsername('erin'))!.password, null, "Tessera's Erin is not Django's erin")
    assert.equal(await store.findUserById(20), null)
  })
})

test('hashes that cost more than the caps to check are refused at import, by name, with the cap (issue 11, finding 4)', async () => {
  const db = tesseraDb()
  const django = copyFixture()
  dirs.push(django.dir)
  const insert = (id: number, username: string, password: string) =>
    editDjango(django.path, "insert into auth_user (id, username, password, email, first_name, last_name, is_active, is_staff, is_superuser, date_joined) values (?, ?, ?, '', '', '', 1, 0, 0, '2021-01-01 00:00:00')", id, username, password)
  insert(30, 'slowpoke', 'pbkdf2_sha256$10000000$salt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=')
  insert(31, 'blowfish', `bcrypt$$2b$14$${'a'.repeat(53)}`)
  insert(32, 'memory', 'argon2$argon2id$v=19$m=1048576,t=2,p=8$c29tZXNhbHRzb21lc2FsdA$YC9+jJCrQhs5R6db7LlN8Q')
  insert(33, 'fine', 'pbkdf2_sha256$2000000$salt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=')
  const run = await importDjango(db, '--from', django.path)
  assert.equal(run.code, 0, run.err)
  assert.match(run.out, /Created 9, updated 0, unchanged 0\./, 'the eight fixture users and the one at the cap')
  assert.match(run.err, /warning: 3 user\(s\) were not imported: their password hash costs more to check than Tessera allows/)
  assert.match(run.err, /slowpoke: pbkdf2_sha256 with 10000000 iterations \(at most 2000000\)/)
  assert.match(run.err, /blowfish: bcrypt with cost 14 \(at most 12\)/)
  assert.match(run.err, /memory: argon2 with m=1048576 KiB/)
  await withStore(db, async ({ store }) => {
    for (const name of ['slowpoke', 'blowfish', 'memory']) assert.equal(await store.findUserByUsername(name), null, name)
    assert.ok(await store.findUserByUsername('fine'))
  })
})

test('a database without auth_user is refused in one line, before Tessera\'s database is touched', async () => {
  const db = tesseraDb()
  const dir = mkdtempSync(join(tmpdir(), 'tessera-notdjango-'))
  dirs.push(dir)
  const other = join(dir, 'other.sqlite3')
  const sqlite = new SQLite(other)
  sqlite.exec('create table something (id integer)')
  sqlite.close()
  const run = await importDjango(db, '--from', other)
  assert.equal(run.code, 1)
  assert.equal(run.out, '')
  assert.equal(run.err, `tessera import-django: ${other} has no auth_user table: is it a Django database on which \`manage.py migrate\` has run (or is the user table another one: --table)?`)
  assert.equal(existsSync(db), false)
  assert.match((await importDjango(db, '--from', join(dir, 'missing.sqlite3'))).err, /no such SQLite file/)
  assert.match((await importDjango(db)).err, /--from is required/)
  assert.match((await importDjango(db, '--from', other, '--table', 'x; drop table something')).err, /--table must be a plain table name/)
})

test("--table reads a custom user model's table; absent columns take Django's defaults", async () => {
  const db = tesseraDb()
  const dir = mkdtempSync(join(tmpdir(), 'tessera-custom-'))
  dirs.push(dir)
  const custom = join(dir, 'custom.sqlite3')
  const sqlite = new SQLite(custom)
  sqlite.exec(`create table accounts_user (id integer primary key, username varchar(150) unique, password varchar(128), email varchar(254), date_joined datetime)`)
  sqlite.prepare('insert into accounts_user values (?, ?, ?, ?, ?)').run(41, 'mallory', djangoHashes.get('alice'), 'm@example.com', '2020-01-02 03:04:05.678901')
  sqlite.close()
  const run = await importDjango(db, '--from', custom, '--table', 'accounts_user')
  assert.equal(run.code, 0, run.err)
  await withStore(db, async ({ store }) => {
    const user = (await store.findUserById(41))!
    assert.equal(user.username, 'mallory')
    assert.equal(user.is_active, true)
    assert.equal(user.is_staff, false)
    assert.equal(user.date_joined, Date.UTC(2020, 0, 2, 3, 4, 5, 678))
  })
})

test("Django's SQLite datetimes are UTC text; offsets are honoured and garbage is refused", () => {
  assert.equal(parseDjangoTimestamp('2021-03-04 05:06:07.123456', 'c'), Date.UTC(2021, 2, 4, 5, 6, 7, 123))
  assert.equal(parseDjangoTimestamp('2021-03-04 05:06:07', 'c'), Date.UTC(2021, 2, 4, 5, 6, 7))
  assert.equal(parseDjangoTimestamp('2021-03-04T05:06:07.5+02:00', 'c'), Date.UTC(2021, 2, 4, 3, 6, 7, 500))
  assert.equal(parseDjangoTimestamp(null, 'c'), null)
  assert.throws(() => parseDjangoTimestamp('yesterday', 'last_login'), /last_login: not a Django datetime/)
})
