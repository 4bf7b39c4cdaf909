import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { sealStoredKeys } from '../../src/auth/index.js'
import { optionsFromEnv } from '../../src/config/index.js'
import { createRuntime } from '../../src/runtime.js'
import { generateKey } from '../../src/tokens/index.js'
import { createTestApp, createUser, Jar, TEST_ENV } from '../support/app.js'

const OLD = 'the-old-secret-key-0123456789-abcdefghijklmnop'
const NEW = 'the-new-secret-key-0123456789-abcdefghijklmnop'
const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string

/** Starts a runtime on the shared database as `tessera serve` would, and returns what it warned about at start. */
async function startWarnings(env: Record<string, string>): Promise<string[]> {
  const warnings: string[] = []
  const log = { info: () => {}, warn: (...args: unknown[]) => void warnings.push(String(args.at(-1))) }
  const runtime = await createRuntime(optionsFromEnv({ ...TEST_ENV, JWT_ALGORITHM: 'ES256', ...env }), { log })
  await runtime.close()
  return warnings
}

/** A login on a server built from `env`; returns the access token's kid. */
async function signIn(env: Record<string, string>): Promise<string> {
  const t = await createTestApp({ JWT_ALGORITHM: 'ES256', ...env })
  try {
    const jar = new Jar(t.app)
    await jar.login()
    const access = jar.get('access_token')!
    assert.equal((await t.app.inject({ url: '/accounts/user/', headers: { authorization: `Bearer ${access}` } })).statusCode, 200)
    return kidOf(access)
  } finally {
    await t.close()
  }
}

describe('private signing keys are encrypted at rest', () => {
  let dir: string
  let url: string
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-sealed-'))
    url = join(dir, 'db.sqlite3')
    const t = await createTestApp({ JWT_ALGORITHM: 'ES256', SECRET_KEY: OLD, DATABASE_URL: url })
    await createUser(t)
    await t.close()
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('a copy of the database files (db, -wal) holds no private key', async () => {
    const t = await createTestApp({ JWT_ALGORITHM: 'ES256', SECRET_KEY: OLD, DATABASE_URL: url })
    try {
      const rows = await t.opened.store.listSigningKeys(0)
      assert.equal(rows.length, 1)
      assert.doesNotMatch(rows[0]!.private_key, /PRIVATE KEY/)
      assert.match(rows[0]!.public_key, /PUBLIC KEY/)
      const bytes = Buffer.concat([url, `${url}-wal`].filter(existsSync).map((path) => readFileSync(path))).toString('latin1')
      assert.ok(bytes.includes('PUBLIC KEY'), 'the file does hold the key row')
      assert.ok(!bytes.includes('PRIVATE KEY'), 'but not the private key in PEM')
    } finally {
      await t.close()
    }
  })

  test('SECRET_KEY rotation: readable through SECRET_KEY_FALLBACKS (warned), resealed by sealkeys, then the old secret is no longer needed', async () => {
    const kid = await signIn({ SECRET_KEY: OLD, DATABASE_URL: url })
    const rotated = { SECRET_KEY: NEW, SECRET_KEY_FALLBACKS: OLD, DATABASE_URL: url }
    assert.equal(await signIn(rotated), kid, 'the same key signs after the rotation')
    const [warning] = await startWarnings(rotated)
    assert.match(warning ?? '', new RegExp(`sealed under a SECRET_KEY_FALLBACKS entry \\(${kid}\\): run \`tessera sealkeys\``))
    // Without the old secret the key cannot be opened yet: a clear refusal, never a new key behind the operator's back.
    await assert.rejects(createRuntime(optionsFromEnv({ ...TEST_ENV, JWT_ALGORITHM: 'ES256', SECRET_KEY: NEW, DATABASE_URL: url })), /'[^']+' in the database cannot be decrypted with SECRET_KEY or SECRET_KEY_FALLBACKS/)

    const t = await createTestApp({ JWT_ALGORITHM: 'ES256', ...rotated })
    try {
      assert.equal(await sealStoredKeys(t.config.tokens, t.opened.store), 1)
      assert.equal(await sealStoredKeys(t.config.tokens, t.opened.store), 0)
    } finally {
      await t.close()
    }
    assert.equal(await signIn({ SECRET_KEY: NEW, DATABASE_URL: url }), kid)
    assert.deepEqual(await startWarnings({ SECRET_KEY: NEW, DATABASE_URL: url }), [])
  })

  test('a plaintext row from before sealing is still used, warned about at start, and sealed by sealkeys', async () => {
    const legacyUrl = join(dir, 'legacy.sqlite3')
    const t = await createTestApp({ DATABASE_URL: legacyUrl }) // HS256: creates no key
    const legacy = generateKey('ES256')
    await t.opened.store.addSigningKey({ kid: legacy.kid, algorithm: 'ES256', private_key: legacy.signingKey!, public_key: legacy.verifyingKey, created_at: Date.now(), retires_at: null }, Date.now())
    await createUser(t)
    await t.close()
    const env = { SECRET_KEY: NEW, DATABASE_URL: legacyUrl }
    assert.equal(await signIn(env), legacy.kid)
    assert.match((await startWarnings(env)).join('\n'), new RegExp(`stored unencrypted \\(${legacy.kid}\\)`))
    const again = await createTestApp({ JWT_ALGORITHM: 'ES256', ...env })
    try {
      assert.equal(await sealStoredKeys(again.config.tokens, again.opened.store), 1)
      assert.doesNotMatch((await again.opened.store.listSigningKeys(0))[0]!.private_key, /PRIVATE KEY/)
    } finally {
      await again.close()
    }
    assert.equal(await signIn(env), legacy.kid)
    assert.deepEqual(await startWarnings(env), [])
  })
})
