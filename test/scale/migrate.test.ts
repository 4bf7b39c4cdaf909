import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPgDatabase, pgQuery, pgUnavailable } from '../support/postgres.js'
import { migrationProvider } from '../../src/store/migrations.js'
import { tessera } from './processes.js'

const MIGRATIONS = Object.keys(await migrationProvider('postgres').getMigrations()).sort()

test('three processes run `tessera migrate` at the same millisecond: one applies, two wait and find nothing to do', { skip: await pgUnavailable(), timeout: 60_000 }, async () => {
  // Without the advisory lock two of them would race to CREATE TABLE and fail.
  const database = await createPgDatabase('migrate')
  let runs: ReturnType<typeof tessera>[] = []
  try {
    const startAt = String(Date.now() + 2500) // after all three have loaded
    runs = Array.from({ length: 3 }, () => tessera(['migrate'], { DATABASE_URL: database.url, TESSERA_TEST_START_AT: startAt }))
    const codes = await Promise.all(runs.map((r) => r.exit))
    const outputs = runs.map((r) => r.output().trim())
    assert.deepEqual(codes, [0, 0, 0], outputs.join('\n'))
    assert.deepEqual(outputs.filter((o) => o === `Applied: ${MIGRATIONS.join(', ')}`).length, 1, outputs.join('\n'))
    assert.deepEqual(outputs.filter((o) => o === 'No migrations to apply.').length, 2, outputs.join('\n'))
    const tables = await pgQuery(database.url, "select tablename from pg_tables where schemaname = 'public' order by tablename")
    assert.deepEqual(tables.map((r) => r.tablename), [
      'auth_mfa_pending',
      'auth_mfa_recovery_code',
      'auth_mfa_totp',
      'auth_refresh_token',
      'auth_session',
      'auth_signing_key',
      'auth_user',
      'auth_webauthn_challenge',
      'auth_webauthn_credential',
      'mail_outbox',
      'tessera_migration',
      'tessera_migration_lock',
    ])
  } finally {
    for (const run of runs) run.child.kill('SIGKILL')
    await database.drop()
  }
})
