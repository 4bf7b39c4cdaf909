import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createHmacKey, createKeyRing, createTokenService, generateKey } from '../../src/tokens/index.js'
import { claims, forge, hmac, rejects, SETTINGS } from './fixtures.js'

const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())

describe('tokens: key ring', () => {
  it('verifies a kid-less token (as SimpleJWT issues them) with the fallback key', () => {
    const legacy = createHmacKey('the-django-secret-key-of-the-reference-backend-0123456789')
    const current = generateKey('HS256')
    const service = createTokenService(SETTINGS, createKeyRing([current], legacy))
    const simplejwt = forge({ alg: 'HS256', typ: 'JWT' }, claims(), hmac('sha256', legacy.signingKey!))
    assert.equal(service.verify(simplejwt, 'access').user_id, 1)
    // Kid-less but signed with the current key: the fallback is the only key tried, so it fails.
    rejects(service, forge({ alg: 'HS256', typ: 'JWT' }, claims(), hmac('sha256', current.signingKey!)))
    // New tokens carry the current key's kid.
    assert.equal(headerOf(service.issue('access', 1, 's').token).kid, current.kid)
  })

  it('without a separate fallback, a kid-less token is verified with the current key', () => {
    const key = createHmacKey('a-single-secret-key-long-enough-for-hs256-0123456789')
    const service = createTokenService(SETTINGS, createKeyRing([key]))
    assert.equal(service.verify(forge({ alg: 'HS256' }, claims(), hmac('sha256', key.signingKey!)), 'access').user_id, 1)
  })

  it('verifies tokens of an older key in the ring and signs with the newest', () => {
    const older = generateKey('HS256')
    const newer = generateKey('HS256')
    const before = createTokenService(SETTINGS, createKeyRing([older]))
    const after = createTokenService(SETTINGS, createKeyRing([newer, older]))
    const oldToken = before.issue('access', 5, 's').token
    assert.equal(after.verify(oldToken, 'access').user_id, 5)
    assert.equal(headerOf(after.issue('access', 5, 's').token).kid, newer.kid)
    rejects(before, after.issue('access', 5, 's').token)
  })

  it('refuses tokens of a key once it has retired', () => {
    let now = Date.now()
    const retiring = { ...generateKey('HS256'), retiresAt: Math.floor(now / 1000) + 60 }
    const service = createTokenService(SETTINGS, createKeyRing([generateKey('HS256'), retiring]), { now: () => now })
    const token = createTokenService(SETTINGS, createKeyRing([retiring]), { now: () => now }).issue('access', 1, 's').token
    assert.equal(service.verify(token, 'access').user_id, 1)
    now += 61_000
    rejects(service, token)
  })

  it('an RS256 ring verifies its own tokens and refuses HS256 tokens signed with its public key (algorithm confusion)', () => {
    const rsa = generateKey('RS256')
    const service = createTokenService({ ...SETTINGS, algorithm: 'RS256' }, createKeyRing([rsa]))
    const { token } = service.issue('refresh', 3, 's')
    assert.equal(headerOf(token).alg, 'RS256')
    assert.equal(service.verify(token, 'refresh').user_id, 3)
    rejects(service, forge({ alg: 'HS256', kid: rsa.kid }, claims(), hmac('sha256', rsa.verifyingKey)))
  })
})
