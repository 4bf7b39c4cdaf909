import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { Migrator } from 'kysely'
import { createPasswordHasher } from '../../src/passwords/index.js'
import { runtimeOf } from '../../src/http/index.js'
import { openStore } from '../../src/store/index.js'
import { migrationProvider } from '../../src/store/migrations.js'
import { createTestApp } from '../support/app.js'
import { createPgDatabase, pgUnavailable } from '../support/postgres.js'

const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1 })
const LEGACY = [
  { id: 1, username: 'Carol', password: 'carol-one password' },
  { id: 2, username: 'carol', password: 'carol-two password' },
  { id: 3, username: 'ｃａｒｏｌ', password: 'carol-three password' },
  { id: 4, username: 'bob', password: 'bob password' },
]

/** A database as Tessera left it before migration 0002: names unique only as typed. */
async function legacyDatabase(url: string): Promise<void> {
  const opened = await openStore(url)
  try {
    const migrator = new Migrator({ db: opened.db, provider: migrationProvider(opened.dialect), migrationTableName: 'tessera_migration', migrationLockTableName: 'tessera_migration_lock' })
    const { error } = await migrator.migrateTo('0001_initial')
    assert.equal(error, undefined)
    for (const user of LEGACY) {
      await opened.db.insertInto('auth_user' as never).values({ id: user.id, username: user.username, password: await hasher.hash(user.password), date_joined: 0 } as never).execute()
    }
  } finally {
    await opened.store.close()
  }
}

for (const database of ['sqlite', 'postgres'] as const) {
  describe(`migration 0002 on ${database}: names that collide without regard to case are reported, never merged`, { skip: database === 'postgres' && (await pgUnavailable()) }, () => {
    test('the oldest keeps the name, the others cannot log in until renamed, and every migrate run says so', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-usernames-'))
      const pg = database === 'postgres' ? await createPgDatabase('usernames') : undefined
      const url = pg?.url ?? join(dir, 'db.sqlite3')
      try {
        await legacyDatabase(url)
        const t = await createTestApp({ DATABASE_URL: url })
        try {
          const { warnings } = await t.opened.migrate()
          assert.equal(warnings.length, 1, 'reported again on the next run')
          assert.match(warnings[0]!, /^2 account\(s\) cannot log in/)
          assert.match(warnings[0]!, /'carol' \(id 2\) collides with 'Carol' \(id 1\)/)
          assert.match(warnings[0]!, /'ｃａｒｏｌ' \(id 3\) collides with 'Carol' \(id 1\)/)
          assert.match(warnings[0]!, /tessera renameuser ID NEW_USERNAME/)
          const rows = await t.opened.db.selectFrom('auth_user').select(['id', 'username']).orderBy('id').execute()
          assert.deepEqual(rows.map((r) => [Number(r.id), r.username]), LEGACY.map((u) => [u.id, u.username]), 'every account is still there, as it was')

          const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: '/accounts/auth/login/', payload: { username, password } })
          assert.equal((await login('carol', 'carol-two password')).statusCode, 401, "id 2's name now names id 1")
          assert.equal((await login('carol', 'carol-one password')).statusCode, 200)
          assert.equal((await login('bob', 'bob password')).statusCode, 200)

          await runtimeOf(t.app).auth.renameUser(2, 'carol.two')
          await runtimeOf(t.app).auth.renameUser(3, 'carol.three')
          assert.deepEqual((await t.opened.migrate()).warnings, [], 'resolved')
          assert.equal((await login('carol.two', 'carol-two password')).statusCode, 200)
          assert.equal((await login('CAROL.THREE', 'carol-three password')).statusCode, 200)
        } finally {
          await t.close()
        }
      } finally {
        await pg?.drop()
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
}
