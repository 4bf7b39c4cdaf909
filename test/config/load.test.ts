import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { loadDotEnv, loadOptions, resolveOptions, type Env } from '../../src/config/index.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-config-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** `loadOptions`, then resolved, as `tessera serve` and the CLI do. */
const loadConfig = (env: Env) => {
  const { options, warnings } = loadOptions(env)
  return { config: resolveOptions(options), warnings }
}

describe('loadOptions: the development key', () => {
  it('generates a key once under DATA_DIR, warns, and reuses it on the next start', () => {
    const dataDir = join(dir, 'data')
    const first = loadConfig({ DATA_DIR: dataDir })
    const file = join(dataDir, 'secret_key')
    assert.ok(existsSync(file))
    assert.equal(statSync(file).mode & 0o077, 0, 'the key file is readable by its owner only')
    assert.equal(first.config.tokens.secretKey, readFileSync(file, 'utf8').trim())
    assert.ok(first.config.tokens.secretKey.length >= 32)
    assert.match(first.warnings.join('\n'), /SECRET_KEY is not set: generated/)
    const second = loadConfig({ DATA_DIR: dataDir })
    assert.equal(second.config.tokens.secretKey, first.config.tokens.secretKey)
    assert.match(second.warnings.join('\n'), /SECRET_KEY is not set: using/)
  })

  it('uses SECRET_KEY when set, without warnings or files', () => {
    const dataDir = join(dir, 'unused')
    const { config, warnings } = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: 'explicit-key-long-enough-0123456789abcdefgh' })
    assert.equal(config.tokens.secretKey, 'explicit-key-long-enough-0123456789abcdefgh')
    assert.deepEqual(warnings, [])
    assert.equal(existsSync(dataDir), false)
  })

  it('production without SECRET_KEY refuses to start and writes nothing', () => {
    const dataDir = join(dir, 'prod')
    assert.throws(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir }), /tokens\.secretKey \(SECRET_KEY\) is required/)
    assert.equal(existsSync(dataDir), false)
  })
})

describe('loadDotEnv', () => {
  it('reads a .env file; variables already set win', () => {
    const file = join(dir, '.env')
    writeFileSync(file, 'TESSERA_TEST_DOTENV_A=from-file\nTESSERA_TEST_DOTENV_B=from-file\n')
    process.env.TESSERA_TEST_DOTENV_B = 'from-env'
    try {
      loadDotEnv(file)
      assert.equal(process.env.TESSERA_TEST_DOTENV_A, 'from-file')
      assert.equal(process.env.TESSERA_TEST_DOTENV_B, 'from-env')
    } finally {
      delete process.env.TESSERA_TEST_DOTENV_A
      delete process.env.TESSERA_TEST_DOTENV_B
    }
  })

  it('does nothing when the file is absent', () => {
    assert.doesNotThrow(() => loadDotEnv(join(dir, 'missing.env')))
  })
})
