import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { normalizeUsername, usernameKey } from '../../src/auth/index.js'

describe('usernames: the stored form and the canonical key', () => {
  test('the stored form is NFKC, as Django\'s normalize_username', () => {
    assert.equal(normalizeUsername('ａｌｉｃｅ'), 'alice')
    assert.equal(normalizeUsername('ﬁona'), 'fiona')
    assert.equal(normalizeUsername('Carol'), 'Carol', 'case is kept as typed')
  })

  const same: [string, string][] = [
    ['Carol', 'carol'],
    ['CAROL', 'carol'],
    ['ａｌｉｃｅ', 'alice'],
    ['ＡＬＩＣＥ', 'alice'],
    ['straße', 'STRASSE'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['\u212Aelvin', 'kelvin'],
    ['e\u0301mile', 'émile'],
  ]
  for (const [a, b] of same) test(`'${a}' and '${b}' are one name`, () => assert.equal(usernameKey(a), usernameKey(b)))

  test('different names stay different', () => {
    assert.notEqual(usernameKey('alice'), usernameKey('alice2'))
    assert.notEqual(usernameKey('alice'), usernameKey('аlice'), 'a Cyrillic а is another letter (script mixing is another rule)')
  })
})
