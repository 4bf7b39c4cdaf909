import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { runtimeOf } from '../../src/http/index.js'
import { ensureBuilt, runCli } from '../cli/run.js'
import { createTestApp, createUser, type TestApp } from '../support/app.js'

/**
 * Issue 11 #13: Cyrillic `а` (U+0430) in `аlice` looks exactly like Latin `a`, and no case or width folding
 * joins them, so `аlice` registered next to `alice` and could phish as her. New names must be in one script.
 */
const REGISTER = '/accounts/auth/register/'
const PASSWORD = 'a long enough passphrase'
const CYRILLIC_ALICE = '\u0430lice'
const MIXED = 'Enter a username in one script; this one mixes Cyrillic and Latin letters.'

describe('registration refuses mixed-script look-alikes', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t, 'alice')
  })
  after(() => t.close())

  const register = (username: string) => t.app.inject({ method: 'POST', url: REGISTER, payload: { username, password: PASSWORD } })

  test('`аlice` with a Cyrillic а is a 400 with the field error, and no account', async () => {
    const response = await register(CYRILLIC_ALICE)
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json(), { username: [MIXED] })
    assert.equal(await t.opened.store.findUserByUsername(CYRILLIC_ALICE), null)
    // Greek omicron in a Latin name, Latin with an Arabic-Indic digit: the same.
    assert.equal((await register('b\u03bfb')).statusCode, 400)
    assert.equal((await register('bob\u0663')).statusCode, 400)
  })

  test('names in one script, or Latin with Han, Kana or Hangul (TR39 highly restrictive), register', async () => {
    for (const username of ['\u0430\u043b\u0438\u0441\u0430', '\u0395\u03bb\u03ad\u03bd\u03b7', 'tanaka\u592a\u90ce', '\u5c71\u7530\u305f\u308d\u3046', 'kim\uae40\ucca0\uc218', 'zo\u00eb_2.0@x', '\u0645\u062d\u0645\u062f'])
      assert.equal((await register(username)).statusCode, 201, username)
  })

  test('a name already in the database logs in as before (the rule is for new names only)', async () => {
    const { hasher, store } = runtimeOf(t.app)
    await store.createUser({ username: 'p\u0430ypal', email: '', first_name: '', last_name: '', password: await hasher.hash(PASSWORD), is_active: true, is_staff: false, is_superuser: false })
    const login = await t.app.inject({ method: 'POST', url: '/accounts/auth/login/', payload: { username: 'p\u0430ypal', password: PASSWORD } })
    assert.equal(login.statusCode, 200, login.body)
  })

  test('renaming to a mixed-script name is refused too', async () => {
    const bob = await createUser(t, 'bobby')
    await assert.rejects(runtimeOf(t.app).auth.renameUser(bob.id, 'b\u043ebby'), (error: { fields?: Record<string, string[]> }) => {
      assert.deepEqual(error.fields, { username: [MIXED] })
      return true
    })
  })
})

test('USERNAME_ALLOW_MIXED_SCRIPTS=true lets them register (the documented way out)', async () => {
  const t = await createTestApp({ USERNAME_ALLOW_MIXED_SCRIPTS: 'true' })
  try {
    const response = await t.app.inject({ method: 'POST', url: REGISTER, payload: { username: CYRILLIC_ALICE, password: PASSWORD } })
    assert.equal(response.statusCode, 201, response.body)
  } finally {
    await t.close()
  }
})

test('tessera createuser refuses a mixed-script name with the same message', async () => {
  await ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'tessera-scripts-'))
  try {
    const result = await runCli(['createuser', '--username', CYRILLIC_ALICE], { cwd: dir, env: { DATABASE_URL: join(dir, 'db.sqlite3'), TESSERA_PASSWORD: PASSWORD } })
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /mixes Cyrillic and Latin letters/)
    const latin = await runCli(['createuser', '--username', 'alice'], { cwd: dir, env: { DATABASE_URL: join(dir, 'db.sqlite3'), TESSERA_PASSWORD: PASSWORD } })
    assert.equal(latin.code, 0, latin.stderr)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
