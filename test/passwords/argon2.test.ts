import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { hash as argon2Hash } from '@node-rs/argon2'
import { TesseraError } from '../../src/errors.js'
import {
  DEFAULT_ARGON2_OPTIONS,
  argon2NeedsRehash,
  hashArgon2id,
  resolveArgon2Options,
  verifyArgon2Phc,
} from '../../src/passwords/argon2.js'
import { argon2CostIsAcceptable, parseArgon2Phc } from '../../src/passwords/phc.js'

const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 }

describe('hashArgon2id', () => {
  it("uses OWASP's m=19456,t=2,p=1 by default", async () => {
    assert.deepEqual({ ...DEFAULT_ARGON2_OPTIONS }, { memoryCost: 19456, timeCost: 2, parallelism: 1 })
    const encoded = await hashArgon2id('lètmein')
    assert.match(encoded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    assert.equal(await verifyArgon2Phc(encoded, 'lètmein'), true)
  })

  it('honours custom parameters and salts every hash', async () => {
    const a = await hashArgon2id('pw', CHEAP)
    const b = await hashArgon2id('pw', CHEAP)
    assert.match(a, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/)
    assert.notEqual(a, b)
    assert.equal(await verifyArgon2Phc(a, 'pw'), true)
    assert.equal(await verifyArgon2Phc(b, 'pw'), true)
    assert.equal(await verifyArgon2Phc(a, 'pW'), false)
  })
})

describe('resolveArgon2Options', () => {
  it('fills in defaults per field', () => {
    assert.deepEqual(resolveArgon2Options(), { memoryCost: 19456, timeCost: 2, parallelism: 1 })
    assert.deepEqual(resolveArgon2Options({ timeCost: 3 }), { memoryCost: 19456, timeCost: 3, parallelism: 1 })
  })

  it('refuses values that are not positive integers or exceed the verification limits', () => {
    for (const bad of [
      { memoryCost: 0 },
      { timeCost: 1.5 },
      { parallelism: -1 },
      { memoryCost: Number.NaN },
      { memoryCost: 2 * 1024 * 1024 },
      { memoryCost: 1024 * 1024, timeCost: 5 },
      { memoryCost: 64, parallelism: 16 },
      { parallelism: 64, memoryCost: 65536 },
    ]) {
      assert.throws(
        () => resolveArgon2Options(bad),
        (e: unknown) => e instanceof TesseraError && e.code === 'ERR_CONFIG_INVALID',
        JSON.stringify(bad),
      )
    }
  })
})

describe('verifyArgon2Phc', () => {
  it('verifies other argon2 variants it is given', async () => {
    const argon2i = await argon2Hash('pw', { algorithm: 1 as never, memoryCost: 1024, timeCost: 1 })
    assert.match(argon2i, /^\$argon2i\$/)
    assert.equal(await verifyArgon2Phc(argon2i, 'pw'), true)
  })

  it('returns false, never throws, for malformed or over-cost strings', async () => {
    for (const encoded of [
      '',
      '$argon2id$garbage',
      '$argon2id$v=19$m=19456,t=2,p=1$$',
      '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$!!!!!!!!',
      // Non-canonical base64 (stray trailing bits): passes our shape check, the library throws.
      '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8R',
      '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$YC9+jJC',
      '$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q',
    ]) {
      assert.equal(await verifyArgon2Phc(encoded, 'pw'), false, encoded)
    }
  })
})

describe('argon2NeedsRehash', () => {
  it('is false only for argon2id v19 with exactly the configured m, t and p', async () => {
    const encoded = await hashArgon2id('pw', CHEAP)
    assert.equal(argon2NeedsRehash(encoded, CHEAP), false)
    assert.equal(argon2NeedsRehash(encoded, { ...CHEAP, memoryCost: 2048 }), true)
    assert.equal(argon2NeedsRehash(encoded, { ...CHEAP, timeCost: 2 }), true)
    assert.equal(argon2NeedsRehash(encoded, { ...CHEAP, parallelism: 2 }), true)
    assert.equal(argon2NeedsRehash(encoded.replace('$argon2id$', '$argon2i$'), CHEAP), true)
    assert.equal(argon2NeedsRehash(encoded.replace('v=19', 'v=16'), CHEAP), true)
    assert.equal(argon2NeedsRehash('garbage', CHEAP), true)
  })
})

describe('parseArgon2Phc', () => {
  it('reads variant, version and cost', () => {
    assert.deepEqual(parseArgon2Phc('$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q'), {
      variant: 'argon2id',
      version: 19,
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
    })
    // No v= field means Argon2 1.0 (0x10), as argon2-cffi wrote before 16.0.
    assert.equal(parseArgon2Phc('$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q')?.version, 16)
  })

  it('bounds the cost the string may demand', () => {
    assert.equal(argon2CostIsAcceptable({ memoryCost: 1024 * 1024, timeCost: 4, parallelism: 1 }), true)
    assert.equal(argon2CostIsAcceptable({ memoryCost: 1024 * 1024 + 1, timeCost: 1, parallelism: 1 }), false)
    assert.equal(argon2CostIsAcceptable({ memoryCost: 8, timeCost: 2 ** 32 - 1, parallelism: 1 }), false)
    assert.equal(argon2CostIsAcceptable({ memoryCost: 8, timeCost: 1, parallelism: 2 }), false)
  })
})
