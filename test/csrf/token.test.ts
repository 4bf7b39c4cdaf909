import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  CSRF_ALLOWED_CHARS,
  CSRF_SECRET_LENGTH,
  CSRF_TOKEN_LENGTH,
  checkTokenFormat,
  doesTokenMatch,
  generateSecret,
  maskSecret,
  normalizeSecret,
  randomString,
  unmaskToken,
  type TokenFormat,
} from '../../src/csrf/index.js'
import { MASKED_TEST_SECRET1, MASKED_TEST_SECRET2, OTHER_SECRET, TEST_SECRET, fixedRandom } from './fixtures.js'

const VALID = /^[a-zA-Z0-9]*$/

describe('constants', () => {
  it("match Django's", () => {
    assert.equal(CSRF_SECRET_LENGTH, 32)
    assert.equal(CSRF_TOKEN_LENGTH, 64)
    // Python: string.ascii_letters + string.digits
    assert.equal(CSRF_ALLOWED_CHARS, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')
  })
})

describe('randomString', () => {
  for (const length of [0, 1, 32, 64, 1000]) {
    it(`returns ${length} alphabet characters`, () => {
      const value = randomString(length)
      assert.equal(value.length, length)
      assert.match(value, VALID)
    })
  }

  it('is uniform over the 62 characters (no modulo bias)', () => {
    // A plain `byte % 62` would give the first 8 characters 5/256 instead of 4/256, about 25% too many.
    const n = 62 * 4000
    const counts = new Map<string, number>()
    for (const ch of randomString(n)) counts.set(ch, (counts.get(ch) ?? 0) + 1)
    assert.equal(counts.size, 62)
    for (const [ch, count] of counts) {
      assert.ok(Math.abs(count - 4000) < 400, `${ch} drawn ${count} times, expected about 4000`)
    }
  })

  for (const length of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`rejects length ${length}`, () => {
      assert.throws(() => randomString(length), RangeError)
    })
  }
})

describe('generateSecret', () => {
  it('returns 32 fresh alphabet characters', () => {
    const a = generateSecret()
    const b = generateSecret()
    assert.equal(a.length, 32)
    assert.match(a, VALID)
    assert.notEqual(a, b)
  })

  it('uses the injected randomness', () => {
    assert.equal(generateSecret(fixedRandom(TEST_SECRET)), TEST_SECRET)
  })

  for (const [name, bad] of [
    ['too short', 'a'.repeat(31)],
    ['a non-alphabet character', `${'a'.repeat(31)}-`],
  ] as const) {
    it(`refuses an injected generator returning ${name}`, () => {
      assert.throws(() => generateSecret(() => bad), /RandomString must return 32 characters/)
    })
  }
})

describe('unmaskToken', () => {
  // Django's test_unmask_cipher_token.
  const cases: [secret: string, token: string][] = [
    [TEST_SECRET, MASKED_TEST_SECRET1],
    [TEST_SECRET, MASKED_TEST_SECRET2],
    ['a'.repeat(32), 'vFioG3XOLyGyGsPRFyB9iYUs341ufzIEvFioG3XOLyGyGsPRFyB9iYUs341ufzIE'],
    ['a'.repeat(32), 'a'.repeat(64)],
    ['a'.repeat(32), 'b'.repeat(64)],
    ['b'.repeat(32), 'a'.repeat(32) + 'b'.repeat(32)],
    ['b'.repeat(32), 'b'.repeat(32) + 'c'.repeat(32)],
    ['c'.repeat(32), 'a'.repeat(32) + 'c'.repeat(32)],
    // Negative differences wrap around, as Python's negative indexing does.
    ['9'.repeat(32), 'a'.repeat(32) + '9'.repeat(32)],
    ['9'.repeat(32), 'b'.repeat(32) + 'a'.repeat(32)],
  ]
  for (const [secret, token] of cases) {
    it(`unmasks ${token} to ${secret}`, () => {
      assert.equal(unmaskToken(token), secret)
    })
  }

  for (const [name, token] of [
    ['a bare secret', TEST_SECRET],
    ['65 characters', 'a'.repeat(65)],
    ['an invalid character', `${'a'.repeat(63)}*`],
  ] as const) {
    it(`throws on ${name}`, () => {
      assert.throws(() => unmaskToken(token), RangeError)
    })
  }
})

describe('maskSecret', () => {
  // Django's test_mask_cipher_secret: every mask must round-trip.
  for (const secret of ['a'.repeat(32), TEST_SECRET, OTHER_SECRET, '9'.repeat(32)]) {
    it(`round-trips ${secret}`, () => {
      const token = maskSecret(secret)
      assert.equal(token.length, 64)
      assert.match(token, VALID)
      assert.equal(unmaskToken(token), secret)
    })
  }

  it('reproduces Django fixtures with the same mask', () => {
    for (const masked of [MASKED_TEST_SECRET1, MASKED_TEST_SECRET2]) {
      assert.equal(maskSecret(TEST_SECRET, fixedRandom(masked.slice(0, 32))), masked)
    }
  })

  it('puts the mask first and adds indexes modulo 62', () => {
    // idx('a') = 0 leaves the secret unchanged; idx('b') = 1 shifts '9' (61) around to 'a' (0).
    assert.equal(maskSecret(TEST_SECRET, fixedRandom('a'.repeat(32))), 'a'.repeat(32) + TEST_SECRET)
    assert.equal(maskSecret('9'.repeat(32), fixedRandom('b'.repeat(32))), 'b'.repeat(32) + 'a'.repeat(32))
  })

  it('uses a fresh mask on every call (BREACH)', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => maskSecret(TEST_SECRET)))
    assert.equal(tokens.size, 100)
    for (const token of tokens) assert.equal(unmaskToken(token), TEST_SECRET)
  })

  for (const [name, secret] of [
    ['a short secret', 'a'.repeat(31)],
    ['a masked token', MASKED_TEST_SECRET1],
    ['an invalid character', `${'a'.repeat(31)}!`],
  ] as const) {
    it(`throws on ${name}`, () => {
      assert.throws(() => maskSecret(secret), RangeError)
    })
  }
})

describe('checkTokenFormat', () => {
  // Django's test_check_token_format_valid / _invalid, plus the 100 000-character token.
  const cases: [name: string, token: string, expected: TokenFormat][] = [
    ['a bare secret', TEST_SECRET, 'ok'],
    ['a masked token', MASKED_TEST_SECRET1, 'ok'],
    ['empty', '', 'length'],
    ['16 characters', 'a'.repeat(16), 'length'],
    ['31 characters', 'a'.repeat(31), 'length'],
    ['33 characters', 'a'.repeat(33), 'length'],
    ['63 characters', 'a'.repeat(63), 'length'],
    ['65 characters', 'a'.repeat(65), 'length'],
    ['100 000 characters', 'a'.repeat(100_000), 'length'],
    ['100 000 invalid characters (length is checked first)', '*'.repeat(100_000), 'length'],
    ['64 asterisks', '*'.repeat(64), 'characters'],
    ['32 characters with a dash', `${'a'.repeat(31)}-`, 'characters'],
    ['32 characters with a non-ASCII letter', `${'a'.repeat(31)}é`, 'characters'],
    ['32 characters with a space', `${'a'.repeat(31)} `, 'characters'],
    // Python counts code points: 32 emoji are 32 characters (invalid ones), 16 emoji are 16 (wrong length).
    ['32 emoji', '😀'.repeat(32), 'characters'],
    ['16 emoji', '😀'.repeat(16), 'length'],
  ]
  for (const [name, token, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      assert.equal(checkTokenFormat(token), expected)
    })
  }
})

describe('normalizeSecret', () => {
  const cases: [name: string, cookie: string, expected: string][] = [
    ['keeps a 32-character secret', TEST_SECRET, TEST_SECRET],
    ['unmasks a legacy 64-character cookie (Django < 4.1)', MASKED_TEST_SECRET1, TEST_SECRET],
    ['unmasks another mask of the same secret', MASKED_TEST_SECRET2, TEST_SECRET],
  ]
  for (const [name, cookie, expected] of cases) {
    it(name, () => {
      assert.equal(normalizeSecret(cookie), expected)
    })
  }

  for (const bad of ['', 'a'.repeat(16), '*'.repeat(32)]) {
    it(`throws on malformed ${JSON.stringify(bad)}`, () => {
      assert.throws(() => normalizeSecret(bad), RangeError)
    })
  }
})

describe('doesTokenMatch', () => {
  // Django's test_does_token_match and test_does_token_match_wrong_token_length (which asserts; we return false).
  const cases: [name: string, token: string, secret: string, expected: boolean][] = [
    ['masked token 1', MASKED_TEST_SECRET1, TEST_SECRET, true],
    ['masked token 2', MASKED_TEST_SECRET2, TEST_SECRET, true],
    ['64 a', 'a'.repeat(64), unmaskToken('a'.repeat(64)), true],
    ['bare secret', TEST_SECRET, TEST_SECRET, true],
    ['32 a', 'a'.repeat(32), 'a'.repeat(32), true],
    ['wrong bare secret', 'a'.repeat(32), TEST_SECRET, false],
    ['wrong masked token', 'a'.repeat(64), TEST_SECRET, false],
    ['token of another secret', maskSecret(OTHER_SECRET), TEST_SECRET, false],
    ['secret differing in the last character', `${TEST_SECRET.slice(0, 31)}D`, TEST_SECRET, false],
    ['wrong token length', 'a'.repeat(16), TEST_SECRET, false],
    ['100 000-character token', 'a'.repeat(100_000), TEST_SECRET, false],
    ['invalid characters', '*'.repeat(64), TEST_SECRET, false],
    ['masked secret passed as the secret', MASKED_TEST_SECRET1, MASKED_TEST_SECRET1, false],
    ['empty secret', TEST_SECRET, '', false],
  ]
  for (const [name, token, secret, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      assert.equal(doesTokenMatch(token, secret), expected)
    })
  }
})
