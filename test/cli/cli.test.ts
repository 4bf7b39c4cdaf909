import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { optionsFromEnv, resolveConfig } from '../../src/config/index.js'
import { buildServer } from '../../src/http/index.js'
import { openStore } from '../../src/store/index.js'
import { TEST_ENV } from '../support/app.js'
import { ensureBuilt, runCli } from './run.js'

const COMMANDS = ['serve', 'migrate', 'createuser', 'createsuperuser', 'changepassword', 'flushexpiredtokens', 'genkey', 'sealkeys']

let dir: string
before(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

/** The ready server, in this process, on the database the CLI wrote (optionally on a shifted clock). */
async function serverOn(db: string, now?: () => number) {
  const opened = await openStore(db)
  const app = await buildServer({ ...optionsFromEnv({ ...TEST_ENV, DATABASE_URL: db, DATA_DIR: dir }), store: opened.store, logger: false, ...(now && { now }) })
  await app.ready()
  const login = (username: string, password: string) => app.inject({ method: 'POST', url: '/accounts/auth/login/', payload: { username, password } })
  return {
    app,
    store: opened.store,
    login,
    async close() {
      await app.close()
      await opened.store.close()
    },
  }
}

const cookie = (response: { headers: Record<string, unknown> }, name: string) =>
  ([response.headers['set-cookie'] ?? []].flat() as string[]).find((l) => l.startsWith(`${name}=`))?.split(';')[0]?.slice(name.length + 1)

/** Errors are one clear line on stderr, prefixed with the command, and a non-zero exit. */
function assertOneLineError(result: { code: number | null; stderr: string }, command: string, message: RegExp) {
  assert.notEqual(result.code, 0)
  const lines = result.stderr.trim().split('\n')
  assert.equal(lines.length, 1, result.stderr)
  assert.match(lines[0]!, new RegExp(`^tessera ${command}: `))
  assert.match(lines[0]!, message)
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace')
}

describe('tessera: help and unknown commands', () => {
  test('--help lists every command and exits 0', async () => {
    const result = await runCli(['--help'], { cwd: dir })
    assert.equal(result.code, 0)
    for (const name of COMMANDS) assert.match(result.stdout, new RegExp(`^\\s+${name}\\s+\\S`, 'm'), name)
  })

  test('an unknown command says so and exits 2', async () => {
    const result = await runCli(['frobnicate'], { cwd: dir })
    assert.equal(result.code, 2)
    assert.match(result.stderr.split('\n')[0]!, /^tessera: unknown command 'frobnicate'$/)
  })

  test('<command> --help shows its options', async () => {
    const result = await runCli(['createuser', '--help'], { cwd: dir })
    assert.equal(result.code, 0)
    assert.match(result.stdout, /--username/)
    assert.match(result.stdout, /TESSERA_PASSWORD/)
  })
})

describe('tessera createuser / createsuperuser / changepassword / flushexpiredtokens', () => {
  const db = () => join(dir, 'users.sqlite3')
  const env = () => ({ DATABASE_URL: db() })

  test('createuser takes the password from TESSERA_PASSWORD and the names from flags', async () => {
    const result = await runCli(['createuser', '--username', 'alice', '--email', 'alice@example.com', '--first-name', 'Alice', '--last-name', 'Liddell'], {
      cwd: dir,
      env: { ...env(), TESSERA_PASSWORD: 'correct horse battery' },
    })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /User 'alice' created \(id 1\)/)
    const server = await serverOn(db())
    try {
      const login = await server.login('alice', 'correct horse battery')
      assert.equal(login.statusCode, 200)
      const me = await server.app.inject({ url: '/accounts/user/', headers: { cookie: `access_token=${cookie(login, 'access_token')}` } })
      assert.deepEqual(me.json(), { id: 1, username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: 'alice@example.com', email_verified: false })
      const user = await server.store.findUserByUsername('alice')
      assert.equal(user?.email, 'alice@example.com')
      assert.equal(user?.is_staff, false)
      assert.equal(user?.is_superuser, false)
      assert.match(String(user?.password), /^\$argon2id\$/)
    } finally {
      await server.close()
    }
  })

  test('createsuperuser reads the password from stdin when it is not a TTY, and makes a staff superuser', async () => {
    const result = await runCli(['createsuperuser', '--username', 'root'], { cwd: dir, env: env(), input: 'a long admin passphrase\n' })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Superuser 'root' created/)
    const server = await serverOn(db())
    try {
      assert.equal((await server.login('root', 'a long admin passphrase')).statusCode, 200)
      const user = await server.store.findUserByUsername('root')
      assert.equal(user?.is_staff, true)
      assert.equal(user?.is_superuser, true)
    } finally {
      await server.close()
    }
  })

  test('a duplicate username is one clear line and a non-zero exit', async () => {
    const result = await runCli(['createuser', '--username', 'alice'], { cwd: dir, env: { ...env(), TESSERA_PASSWORD: 'another good passphrase' } })
    assertOneLineError(result, 'createuser', /already exists/)
  })

  test('a look-alike of a taken username (ALICE, ａｌｉｃｅ) is refused too; renameuser gives a user a new name', async () => {
    for (const username of ['ALICE', 'ａｌｉｃｅ']) {
      assertOneLineError(await runCli(['createuser', '--username', username], { cwd: dir, env: { ...env(), TESSERA_PASSWORD: 'another good passphrase' } }), 'createuser', /already exists/)
    }
    const root = await runCli(['renameuser', '2', 'Admin'], { cwd: dir, env: env() })
    assert.equal(root.code, 0, root.stderr)
    assert.match(root.stdout, /User 2 is now 'Admin'\./)
    assertOneLineError(await runCli(['renameuser', '2', 'alice'], { cwd: dir, env: env() }), 'renameuser', /already exists/)
    assertOneLineError(await runCli(['renameuser', '999', 'nobody'], { cwd: dir, env: env() }), 'renameuser', /no user has id 999/)
    assertOneLineError(await runCli(['renameuser', 'x'], { cwd: dir, env: env() }), 'renameuser', /usage: tessera renameuser ID NEW_USERNAME/)
    const back = await runCli(['renameuser', '2', 'root'], { cwd: dir, env: env() })
    assert.equal(back.code, 0, back.stderr)
  })

  test('a missing --username, a weak password and no password at all are one clear line each', async () => {
    const [noName, weak, empty] = await Promise.all([
      runCli(['createuser'], { cwd: dir, env: { ...env(), TESSERA_PASSWORD: 'correct horse battery' } }),
      runCli(['createuser', '--username', 'bob'], { cwd: dir, env: { ...env(), TESSERA_PASSWORD: '12345678' } }),
      runCli(['createuser', '--username', 'bob'], { cwd: dir, env: env(), input: '' }),
    ])
    assertOneLineError(noName, 'createuser', /--username is required/)
    assertOneLineError(weak, 'createuser', /too common|entirely numeric/)
    assertOneLineError(empty, 'createuser', /password is required/)
  })

  test('changepassword sets the new password and revokes every session of the user', async () => {
    const server = await serverOn(db())
    let refresh: string | undefined
    try {
      const login = await server.login('alice', 'correct horse battery')
      refresh = cookie(login, 'refresh_token')
      assert.ok(refresh)
    } finally {
      await server.close()
    }
    const result = await runCli(['changepassword', 'alice'], { cwd: dir, env: { ...env(), TESSERA_PASSWORD: 'a brand new passphrase' } })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Password changed for user 'alice'/)
    const after = await serverOn(db())
    try {
      const replay = await after.app.inject({ method: 'POST', url: '/accounts/auth/refresh_token/', headers: { cookie: `refresh_token=${refresh}` } })
      assert.equal(replay.statusCode, 401, 'the old session is gone')
      assert.equal((await after.login('alice', 'correct horse battery')).statusCode, 401)
      assert.equal((await after.login('alice', 'a brand new passphrase')).statusCode, 200)
    } finally {
      await after.close()
    }
  })

  test("changepassword of an unknown user, or to a password Django's validators refuse, is one clear line", async () => {
    const [unknown, weak] = await Promise.all([
      runCli(['changepassword', 'nobody'], { cwd: dir, env: { ...env(), TESSERA_PASSWORD: 'whatever passphrase' } }),
      runCli(['changepassword', 'root'], { cwd: dir, env: { ...env(), TESSERA_PASSWORD: 'password' } }),
    ])
    assertOneLineError(unknown, 'changepassword', /'nobody' does not exist/)
    assertOneLineError(weak, 'changepassword', /^tessera changepassword: password: .*too common/)
  })

  test('flushexpiredtokens deletes expired refresh tokens and keeps live ones', async () => {
    const longAgo = Date.now() - 31 * 86400_000
    const past = await serverOn(db(), () => longAgo)
    let expiredJti: string
    try {
      const login = await past.login('root', 'a long admin passphrase')
      expiredJti = JSON.parse(Buffer.from(cookie(login, 'refresh_token')!.split('.')[1]!, 'base64url').toString()).jti
    } finally {
      await past.close()
    }
    const present = await serverOn(db())
    let liveJti: string
    try {
      const login = await present.login('root', 'a long admin passphrase')
      liveJti = JSON.parse(Buffer.from(cookie(login, 'refresh_token')!.split('.')[1]!, 'base64url').toString()).jti
      assert.ok(await present.store.findRefresh(expiredJti))
    } finally {
      await present.close()
    }
    const result = await runCli(['flushexpiredtokens'], { cwd: dir, env: env() })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Removed [1-9]\d* expired refresh token\(s\)\./)
    const check = await serverOn(db())
    try {
      assert.equal(await check.store.findRefresh(expiredJti), null)
      assert.ok(await check.store.findRefresh(liveJti))
    } finally {
      await check.close()
    }
  })
})

describe('tessera migrate and genkey', () => {
  test('migrate applies the migrations to a fresh database, then has nothing to do', async () => {
    const env = { DATABASE_URL: join(dir, 'fresh', 'db.sqlite3') }
    const first = await runCli(['migrate'], { cwd: dir, env })
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /^Applied: \S+/)
    const second = await runCli(['migrate'], { cwd: dir, env })
    assert.equal(second.code, 0, second.stderr)
    assert.match(second.stdout, /No migrations to apply\./)
  })

  test('genkey prints a fresh key strong enough for production', async () => {
    const [a, b] = await Promise.all([runCli(['genkey'], { cwd: dir }), runCli(['genkey'], { cwd: dir })])
    assert.equal(a.code, 0)
    const key = a.stdout.trim()
    assert.match(key, /^[\w-]{43,}$/)
    assert.notEqual(key, b.stdout.trim())
    assert.equal(resolveConfig({ NODE_ENV: 'production', SECRET_KEY: key, ALLOWED_HOSTS: 'api.example.com' }).tokens.secretKey, key)
  })
})

describe('tessera sealkeys', () => {
  test('after a SECRET_KEY rotation, seals the stored private keys under the new SECRET_KEY, once', async () => {
    const OLD = 'the-old-secret-key-0123456789-abcdefghijklmnop'
    const NEW = 'the-new-secret-key-0123456789-abcdefghijklmnop'
    const DATABASE_URL = join(dir, 'sealkeys', 'db.sqlite3')
    const created = await runCli(['rotatekey'], { cwd: dir, env: { DATABASE_URL, JWT_ALGORITHM: 'ES256', SECRET_KEY: OLD } })
    assert.equal(created.code, 0, created.stderr)
    const rotated = { DATABASE_URL, JWT_ALGORITHM: 'ES256', SECRET_KEY: NEW, SECRET_KEY_FALLBACKS: OLD }
    const first = await runCli(['sealkeys'], { cwd: dir, env: rotated })
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /^Sealed 2 private signing key\(s\) under the current SECRET_KEY\./)
    const second = await runCli(['sealkeys'], { cwd: dir, env: { DATABASE_URL, JWT_ALGORITHM: 'ES256', SECRET_KEY: NEW } })
    assert.equal(second.code, 0, second.stderr)
    assert.match(second.stdout, /^Sealed 0 private signing key\(s\)/)
  })
})
