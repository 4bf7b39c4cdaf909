import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isSealed, openPrivateKey, sealPrivateKey } from '../../src/auth/key-encryption.js'
import { generateKey } from '../../src/tokens/index.js'

const OLD = 'the-old-secret-key-0123456789-abcdefghijklmnop'
const NEW = 'the-new-secret-key-0123456789-abcdefghijklmnop'
const pem = generateKey('ES256').signingKey!

describe('private signing keys sealed under SECRET_KEY (AES-256-GCM, HKDF-SHA256)', () => {
  test('the sealed form holds no PEM and opens with the secret it was sealed under', () => {
    const sealed = sealPrivateKey(pem, 'k1', NEW)
    assert.ok(isSealed(sealed))
    assert.doesNotMatch(sealed, /PRIVATE KEY|MII/)
    assert.notEqual(sealPrivateKey(pem, 'k1', NEW), sealed, 'a fresh salt and nonce every time')
    assert.deepEqual(openPrivateKey(sealed, 'k1', [NEW]), { pem, reseal: 'none' })
  })

  test('after a SECRET_KEY rotation the old seal opens through SECRET_KEY_FALLBACKS, flagged for resealing', () => {
    const sealed = sealPrivateKey(pem, 'k1', OLD)
    assert.deepEqual(openPrivateKey(sealed, 'k1', [NEW, OLD]), { pem, reseal: 'fallback' })
  })

  test('refused with a clear message: a wrong secret, another kid (a row swapped), a flipped bit, a truncation', () => {
    const sealed = sealPrivateKey(pem, 'k1', OLD)
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.at(-1)}`
    for (const [stored, kid, secrets] of [[sealed, 'k1', [NEW]], [sealed, 'k2', [OLD]], [flipped, 'k1', [OLD]], [sealed.slice(0, 40), 'k1', [OLD]]] as const) {
      assert.throws(() => openPrivateKey(stored, kid, secrets), /cannot be decrypted with SECRET_KEY or SECRET_KEY_FALLBACKS/)
    }
  })

  test('a row from before sealing (plaintext PEM) is still read, and flagged', () => {
    assert.deepEqual(openPrivateKey(pem, 'k1', [NEW]), { pem, reseal: 'plaintext' })
  })
})
