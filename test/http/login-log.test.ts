import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { optionsFromEnv } from '../../src/config/index.js'
import { buildServer } from '../../src/http/index.js'
import { TEST_ENV } from '../support/app.js'

/** Issue 11: a password typed into the username field must not land in the log. */
const lines: Record<string, unknown>[] = []
let app: FastifyInstance
let dir: string
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-log-'))
  const settings = optionsFromEnv({ ...TEST_ENV, DATABASE_URL: join(dir, 'db.sqlite3'), DATA_DIR: dir })
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  app = await buildServer({ ...settings, logger: { level: 'info', stream } })
  await app.ready()
  await app.tessera.createUser({ username: 'alice', password: 'correct horse battery' }, { validatePassword: false })
})
after(async () => {
  await app.close()
  rmSync(dir, { recursive: true, force: true })
})

const failures = () => lines.filter((l) => l.audit === 'login_failed')
const login = (username: string, password: string) => app.inject({ method: 'POST', url: '/accounts/auth/login/', payload: { username, password } })

test('a failed login under a name that is no account logs a keyed hash of it, never the text typed', async () => {
  await login('Tr0ub4dor&3-my-password', 'Tr0ub4dor&3-my-password')
  await login('TR0UB4DOR&3-MY-PASSWORD', 'x')
  const [first, second] = failures()
  assert.ok(first && second)
  assert.doesNotMatch(JSON.stringify(lines), /tr0ub4dor/i, 'nowhere in the log')
  assert.equal(first.username, undefined)
  assert.match(String(first.username_hmac), /^[0-9a-f]{32}$/)
  assert.equal(second.username_hmac, first.username_hmac, 'one name, one hash: a spray can still be followed')
  assert.equal(first.cause, 'unknown_user')
})

test("a failed login of an account logs the account's own name and id", async () => {
  lines.length = 0
  await login('ALICE', 'wrong password')
  const [entry] = failures()
  assert.equal(entry?.username, 'alice', 'as stored, not as typed')
  assert.equal(typeof entry?.user_id, 'number')
  assert.equal(entry?.username_hmac, undefined)
})
