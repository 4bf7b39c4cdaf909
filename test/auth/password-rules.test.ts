import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MIN_PASSWORD_LENGTH, validatePassword } from '../../src/auth/index.js'

const TOO_SHORT = `This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`

describe("validatePassword: Django's four default validators, word for word", () => {
  it('accepts a long, uncommon, non-numeric password unlike the user', () => {
    assert.deepEqual(validatePassword('correct horse battery', { username: 'alice', first_name: 'Alice', last_name: 'Liddell' }), [])
  })

  it('MinimumLengthValidator: fewer than 8 characters (counted as code points)', () => {
    assert.deepEqual(validatePassword('x7#kQ2z'), [TOO_SHORT])
    assert.deepEqual(validatePassword('x7#kQ2zp'), [])
    // Four emoji are four characters, not eight UTF-16 units.
    assert.ok(validatePassword('🔑🔑🔑🔑').includes(TOO_SHORT))
  })

  it('CommonPasswordValidator: case-insensitive, surrounding space ignored', () => {
    for (const common of ['password', 'PASSWORD', 'Password1', 'qwertyuiop', ' letmein ']) {
      assert.ok(validatePassword(common).includes('This password is too common.'), common)
    }
  })

  it('NumericPasswordValidator: entirely numeric', () => {
    assert.ok(validatePassword('8401937265').includes('This password is entirely numeric.'))
    assert.ok(!validatePassword('8401937265a').includes('This password is entirely numeric.'))
  })

  it('UserAttributeSimilarityValidator: too similar to the username, a name or the email (or a part of it)', () => {
    assert.deepEqual(validatePassword('alice.liddell1', { username: 'alice.liddell' }), ['The password is too similar to the username.'])
    assert.deepEqual(validatePassword('Liddellx', { last_name: 'Liddell' }), ['The password is too similar to the last name.'])
    assert.deepEqual(validatePassword('wonderland99', { email: 'wonderland99@example.com' }), ['The password is too similar to the email address.'])
    assert.deepEqual(validatePassword('wonderland99', { email: '' }), [])
  })

  it('reports every rule a password breaks, in order', () => {
    assert.deepEqual(validatePassword('1234'), [TOO_SHORT, 'This password is too common.', 'This password is entirely numeric.'])
  })
})
