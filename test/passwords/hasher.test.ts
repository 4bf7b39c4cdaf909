import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { hash as argon2Hash } from '@node-rs/argon2'
import bcrypt from 'bcryptjs'
import { createHash } from 'node:crypto'
import { TesseraError } from '../../src/errors.js'
import { createPasswordHasher } from '../../src/passwords/index.js'
import { ARGON2, PBKDF2_SHA1, PBKDF2_SHA256 } from './vectors.js'

const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 }
const NO_MATCH = { ok: false, needsRehash: false }

const isPasswordFormatError = (e: unknown): boolean => e instanceof TesseraError && e.code === 'ERR_PASSWORD_FORMAT'

async function elapsed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

describe('createPasswordHasher: hash and verify', () => {
  it("writes argon2id with OWASP's parameters by default, and does not ask to rehash them", async () => {
    const hasher = createPasswordHasher()
    const encoded = await hasher.hash('lètmein')
    assert.match(encoded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.deepEqual(await hasher.verify('lètmein', encoded), { ok: true, needsRehash: false })
    assert.deepEqual(await hasher.verify('letmein', encoded), NO_MATCH)
  })

  it('uses the configured parameters', async () => {
    const hasher = createPasswordHasher(CHEAP)
    const encoded = await hasher.hash('pw')
    assert.match(encoded, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/)
    assert.deepEqual(await hasher.verify('pw', encoded), { ok: true, needsRehash: false })
  })

  it('asks to rehash a Tessera hash made with other parameters, only when the password matched', async () => {
    const old = await createPasswordHasher({ memoryCost: 2048, timeCost: 1 }).hash('pw')
    const hasher = createPasswordHasher(CHEAP)
    assert.deepEqual(await hasher.verify('pw', old), { ok: true, needsRehash: true })
    assert.deepEqual(await hasher.verify('wrong', old), NO_MATCH)
  })

  it('refuses to hash empty or over-long passwords', async () => {
    const hasher = createPasswordHasher(CHEAP)
    await assert.rejects(hasher.hash(''), isPasswordFormatError)
    await assert.rejects(hasher.hash('x'.repeat(4097)), isPasswordFormatError)
    const longest = 'x'.repeat(4096)
    assert.deepEqual(await hasher.verify(longest, await hasher.hash(longest)), { ok: true, needsRehash: false })
  })

  it('rejects invalid configuration up front', () => {
    assert.throws(
      () => createPasswordHasher({ memoryCost: 4 * 1024 * 1024 }),
      (e: unknown) => e instanceof TesseraError && e.code === 'ERR_CONFIG_INVALID',
    )
  })
})

describe('createPasswordHasher: Django hashes', () => {
  const hasher = createPasswordHasher(CHEAP)

  it('accepts each Django format and always asks to upgrade it to argon2id', async () => {
    const bcryptSha256 = `bcrypt_sha256$${await bcrypt.hash(createHash('sha256').update('pw').digest('hex'), 4)}`
    const plainBcrypt = `bcrypt$${await bcrypt.hash('pw', 4)}`
    const djangoArgon2id = `argon2${await argon2Hash('pw', { memoryCost: 1024, timeCost: 2, parallelism: 2 })}`
    const cases: Array<[string, string]> = [
      [PBKDF2_SHA256[3]!.password, PBKDF2_SHA256[3]!.encoded],
      [PBKDF2_SHA1[2]!.password, PBKDF2_SHA1[2]!.encoded],
      [ARGON2[1]!.password, ARGON2[1]!.encoded],
      ['pw', djangoArgon2id],
      ['pw', bcryptSha256],
      ['pw', plainBcrypt],
    ]
    for (const [password, encoded] of cases) {
      assert.deepEqual(await hasher.verify(password, encoded), { ok: true, needsRehash: true }, encoded)
      assert.deepEqual(await hasher.verify(`${password}!`, encoded), NO_MATCH, encoded)
    }
  })

  it('upgrades cleanly: the rehash of a Django password verifies without a further rehash', async () => {
    const { password, encoded } = PBKDF2_SHA256[3]!
    assert.equal((await hasher.verify(password, encoded)).needsRehash, true)
    const upgraded = await hasher.hash(password)
    assert.deepEqual(await hasher.verify(password, upgraded), { ok: true, needsRehash: false })
  })
})

describe('createPasswordHasher: never a match, never a throw', () => {
  const hasher = createPasswordHasher(CHEAP)

  it('for missing, unusable, unknown and garbage hashes', async () => {
    for (const encoded of [
      null,
      '',
      '!',
      '!MTPTlBgvRjxYuYHXJWMsOfTgGuaSsuQsh1ikBGVz',
      `!${PBKDF2_SHA256[3]!.encoded}`,
      'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3',
      'pbkdf2_sha256$abc$x$y',
      '$argon2id$garbage',
      '$argon2id$',
      '$2b$04$abcdefghijklmnopqrstuu5Zf4fNZB/Ac5M1HnOJ0fNmRQfk5d8bK',
      'plaintext-password',
    ]) {
      assert.deepEqual(await hasher.verify('lètmein', encoded), NO_MATCH, String(encoded))
    }
  })

  it('for a bare argon2i/argon2d PHC string, which neither Tessera nor Django writes', async () => {
    const argon2i = ARGON2[1]!.encoded.slice('argon2'.length)
    assert.deepEqual(await hasher.verify('secret', argon2i), NO_MATCH)
  })

  it('for a crafted Tessera hash demanding too much memory, without allocating it', async () => {
    const start = performance.now()
    const result = await hasher.verify('pw', '$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q')
    assert.deepEqual(result, NO_MATCH)
    assert.ok(performance.now() - start < 50)
  })

  it('for a crafted Django hash with a huge iteration count, quickly', async () => {
    const start = performance.now()
    const result = await hasher.verify('x', 'pbkdf2_sha256$1000000000$salt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=')
    assert.deepEqual(result, NO_MATCH)
    assert.ok(performance.now() - start < 50)
  })

  it('for empty or over-long passwords, without hashing', async () => {
    const encoded = await hasher.hash('x'.repeat(4096))
    assert.deepEqual(await hasher.verify('', encoded), NO_MATCH)
    const tooLong = 'x'.repeat(4097)
    const slowPbkdf2 = PBKDF2_SHA256[1]!.encoded // 870,000 iterations: ~0.2 s if it were computed
    const start = performance.now()
    assert.deepEqual(await hasher.verify(tooLong, encoded), NO_MATCH)
    assert.deepEqual(await hasher.verify(tooLong, slowPbkdf2), NO_MATCH)
    assert.ok(performance.now() - start < 50)
  })

  it('for a password given as a non-string at runtime', async () => {
    const encoded = await hasher.hash('pw')
    assert.deepEqual(await hasher.verify(undefined as unknown as string, encoded), NO_MATCH)
    assert.deepEqual(await hasher.verify(null as unknown as string, encoded), NO_MATCH)
  })
})

describe('createPasswordHasher: burn', () => {
  it('costs about what a wrong-password verify costs', async () => {
    // Default parameters: the timing being compared is the production one.
    const hasher = createPasswordHasher()
    const encoded = await hasher.hash('the real password')
    // Warm up: the first burn also computes the shared dummy hash.
    await hasher.burn('guess')
    await hasher.verify('guess', encoded)
    const burns: number[] = []
    const verifies: number[] = []
    for (let i = 0; i < 15; i++) {
      burns.push(await elapsed(() => hasher.burn(`guess ${i}`)))
      verifies.push(await elapsed(() => hasher.verify(`guess ${i}`, encoded)))
    }
    const ratio = median(burns) / median(verifies)
    assert.ok(ratio > 0.3 && ratio < 3, `burn/verify median ratio ${ratio.toFixed(2)}`)
  })

  it('an unusable, unsupported, malformed, over-cost or missing hash costs what an unknown user costs (issue 11, finding 5)', async () => {
    // Before: `!` 4 ms, md5 3 ms against 24 ms for an unknown user: the timing named imported accounts.
    const hasher = createPasswordHasher()
    await hasher.burn('warm up')
    for (const encoded of [
      '!MTPTlBgvRjxYuYHXJWMsOfTgGuaSsuQsh1ikBGVz',
      'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3',
      'pbkdf2_sha256$abc$x$y',
      'pbkdf2_sha256$10000000$salt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=',
      '',
      null,
    ]) {
      // Interleaved, so that whatever else the machine does weighs on both alike.
      const unknown: number[] = []
      const times: number[] = []
      for (let i = 0; i < 9; i++) {
        unknown.push(await elapsed(() => hasher.burn(`guess ${i}`)))
        times.push(await elapsed(() => hasher.verify(`guess ${i}`, encoded)))
      }
      const ratio = median(times) / median(unknown)
      assert.ok(ratio > 0.3 && ratio < 3, `${String(encoded).slice(0, 20)}: ${ratio.toFixed(2)} of an unknown user's time`)
    }
  })

  it('resolves to nothing, also under concurrency, and skips refused passwords like verify does', async () => {
    const hasher = createPasswordHasher(CHEAP)
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => hasher.burn(`p${i}`)))
    assert.deepEqual(results, Array(8).fill(undefined))
    assert.equal(await hasher.burn(''), undefined)
    assert.equal(await hasher.burn('x'.repeat(4097)), undefined)
  })
})
