import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { openStore } from '../../src/store/index.js'
import { TEST_ENV } from '../support/app.js'
import { FIXTURE, FIXTURE_INFO, runCli } from './support.js'

const SERVER = 'postgres://postgres@127.0.0.1:5432'
const suffix = randomBytes(4).toString('hex')
const SOURCE = `tessera_django_src_${suffix}`
const TARGET = `tessera_django_dst_${suffix}`

async function admin<T>(fn: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({ connectionString: `${SERVER}/${database}`, connectionTimeoutMillis: 2000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

const unavailable = await admin(async () => false).catch((error: Error) => `PostgreSQL at 127.0.0.1:5432 is not answering (${error.message})`)

// Django's auth_user on PostgreSQL, as `manage.py sqlmigrate auth` creates it (0001 with the later
// max_length migrations applied): timestamptz times, real booleans, a serial id.
const DJANGO_AUTH_USER = `CREATE TABLE "auth_user" ("id" serial NOT NULL PRIMARY KEY, "password" varchar(128) NOT NULL,
  "last_login" timestamp with time zone NULL, "is_superuser" boolean NOT NULL, "username" varchar(150) NOT NULL UNIQUE,
  "first_name" varchar(150) NOT NULL, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL,
  "is_staff" boolean NOT NULL, "is_active" boolean NOT NULL, "date_joined" timestamp with time zone NOT NULL)`

before(async () => {
  if (unavailable) return
  await admin(async (c) => {
    await c.query(`create database ${SOURCE}`)
    await c.query(`create database ${TARGET}`)
    // A server time zone far from UTC: the import must read instants, not wall-clock text.
    await c.query(`alter database ${SOURCE} set timezone to 'America/New_York'`)
  })
  // The fixture's rows (made by Django), moved into a PostgreSQL Django schema.
  const fixture = new SQLite(FIXTURE, { readonly: true })
  const rows = fixture.prepare('select * from auth_user order by id').all() as Record<string, unknown>[]
  fixture.close()
  await admin(async (c) => {
    await c.query(DJANGO_AUTH_USER)
    for (const r of rows) {
      const utc = (v: unknown) => (v === null ? null : `${String(v)}+00`)
      await c.query(
        'insert into auth_user (id, password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)',
        [r.id, r.password, utc(r.last_login), r.is_superuser === 1, r.username, r.first_name, r.last_name, r.email, r.is_staff === 1, r.is_active === 1, utc(r.date_joined)],
      )
    }
    await c.query(`select setval(pg_get_serial_sequence('auth_user', 'id'), (select max(id) from auth_user))`)
  }, SOURCE)
})

after(async () => {
  if (unavailable) return
  await admin(async (c) => {
    await c.query(`drop database if exists ${SOURCE} with (force)`)
    await c.query(`drop database if exists ${TARGET} with (force)`)
  })
})

const importDjango = (...args: string[]) => runCli(['import-django', ...args], { ...TEST_ENV, DATABASE_URL: `${SERVER}/${TARGET}` })

test('PostgreSQL to PostgreSQL: ids, booleans and timestamptz carry over, and new users never reuse an imported id', { skip: unavailable }, async () => {
  // Tessera's own (still empty) database is not a Django one.
  const refused = await importDjango('--from', `${SERVER}/${TARGET}`)
  assert.equal(refused.code, 1)
  assert.match(refused.err, /has no auth_user table/)

  const run = await importDjango('--from', `${SERVER}/${SOURCE}`)
  assert.equal(run.code, 0, run.err)
  assert.match(run.out, /Created 8, updated 0, unchanged 0\./)
  assert.match((await importDjango('--from', `${SERVER}/${SOURCE}`)).out, /Created 0, updated 0, unchanged 8\./)

  const opened = await openStore(`${SERVER}/${TARGET}`)
  try {
    for (const expected of FIXTURE_INFO.users) {
      const user = (await opened.store.findUserByUsername(expected.username))!
      assert.equal(user.id, expected.id)
      assert.equal(user.is_active, expected.is_active)
      assert.equal(user.is_superuser, expected.is_superuser)
      assert.equal(user.date_joined, expected.date_joined_ms)
      assert.equal(user.last_login, expected.last_login_ms)
    }
    // Without moving the serial sequence past the imported ids, this would be id 1 (admin's): a conflict.
    const next = await opened.store.createUser({ username: 'newcomer', email: '', first_name: '', last_name: '', password: null, is_active: true, is_staff: false, is_superuser: false })
    assert.equal(next.id, Math.max(...FIXTURE_INFO.users.map((u) => u.id)) + 1)
  } finally {
    await opened.store.close()
  }
})
