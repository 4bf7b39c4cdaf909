import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isCanonicalBase64url } from '../../src/tokens/base64url.js'
import { createKeyRing, createTokenService } from '../../src/tokens/index.js'
import { KEY, SETTINGS } from './fixtures.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The same bytes, spelled with the last character's unused low bits set: decoders ignore them. */
function withUnusedBitsSet(part: string): string {
  const unused = (part.length * 6) % 8
  assert.ok(unused > 0, 'this part has unused bits')
  const last = ALPHABET.indexOf(part.at(-1)!)
  const twin = part.slice(0, -1) + ALPHABET[last | ((1 << unused) - 1)]
  assert.notEqual(twin, part)
  assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(part, 'base64url'), 'the twin decodes to the same bytes')
  return twin
}

describe('tokens: only the canonical base64url spelling verifies (issue 11)', () => {
  const service = createTokenService(SETTINGS, createKeyRing([KEY]))

  it('refuses a token whose signature has flipped unused low bits, though it decodes to the same signature', () => {
    const { token } = service.issue('access', 1, 'sid')
    const [header, payload, signature] = token.split('.') as [string, string, string]
    assert.ok(service.verify(token, 'access'))
    assert.throws(() => service.verify(`${header}.${payload}.${withUnusedBitsSet(signature)}`, 'access'), /Token is invalid/)
  })

  it('refuses padding, the standard alphabet and a fourth part', () => {
    const { token } = service.issue('access', 1, 'sid')
    const [header, payload, signature] = token.split('.') as [string, string, string]
    for (const bad of [`${token}=`, `${header}.${payload}.${signature}==`, `${header}.${payload}.${signature.replaceAll('-', '+').replaceAll('_', '/')}`, `${token}.x`]) {
      if (bad === token) continue
      assert.throws(() => service.verify(bad, 'access'), /Token is invalid/, bad.slice(-12))
    }
  })

  it('isCanonicalBase64url: table', () => {
    const cases: [string, boolean][] = [['', true], ['QQ', true], ['QR', false], ['QUE', true], ['QUF', false], ['QUJD', true], ['Q', false], ['QQ==', false], ['Q+', false], ['Q/', false], ['-_-_', true]]
    for (const [part, expected] of cases) assert.equal(isCanonicalBase64url(part), expected, part)
  })
})
