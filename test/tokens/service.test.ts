import assert from 'node:assert/strict'
import { createSign, generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { createKeyRing, createTokenService, type TokenType } from '../../src/tokens/index.js'
import { b64, claims, forge, hmac, KEY, rejects, SECRET, SETTINGS } from './fixtures.js'

describe('tokens: issue and verify', () => {
  const service = createTokenService(SETTINGS, createKeyRing([KEY]))

  it('issues SimpleJWT claims (token_type, exp, iat, jti 32 hex, user_id) plus sid, and verifies them', () => {
    for (const type of ['access', 'refresh'] as const) {
      const { token, claims: issued } = service.issue(type, 42, 'sid-abc')
      const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()))
      assert.equal(header.alg, 'HS256')
      assert.equal(header.kid, KEY.kid)
      assert.equal(payload.token_type, type)
      assert.equal(payload.user_id, 42)
      assert.equal(payload.sid, 'sid-abc')
      assert.match(payload.jti, /^[0-9a-f]{32}$/)
      assert.equal(typeof payload.iat, 'number')
      assert.equal(payload.exp - payload.iat, type === 'access' ? 900 : 30 * 86400)
      assert.deepEqual(payload, issued)
      assert.deepEqual(service.verify(token, type), issued)
    }
  })

  it('gives every token a fresh jti', () => {
    const jtis = new Set(Array.from({ length: 50 }, () => service.issue('access', 1, 's').claims.jti))
    assert.equal(jtis.size, 50)
  })

  it('uses the injected clock for iat and exp', () => {
    const at = Date.UTC(2030, 0, 1)
    const clocked = createTokenService(SETTINGS, createKeyRing([KEY]), { now: () => at })
    const { claims: c } = clocked.issue('access', 1, 's')
    assert.equal(c.iat, at / 1000)
    assert.equal(c.exp, at / 1000 + 900)
  })

  it('verifies a token of a SimpleJWT-style string user_id', () => {
    const token = forge({ alg: 'HS256', typ: 'JWT', kid: KEY.kid }, claims({ user_id: '7' }), hmac('sha256', SECRET))
    assert.equal(service.verify(token, 'access').user_id, '7')
  })
})

describe('tokens: every verify path refuses what it must', () => {
  const service = createTokenService(SETTINGS, createKeyRing([KEY]))

  it('rejects a tampered signature', () => {
    const { token } = service.issue('access', 1, 's')
    const [h, p, s] = token.split('.') as [string, string, string]
    const flipped = `${s.slice(0, -2)}${s.at(-2) === 'A' ? 'B' : 'A'}${s.at(-1)}`
    rejects(service, `${h}.${p}.${flipped}`, 'access', /Token is invalid/)
  })

  it('rejects a tampered payload (user_id raised) under the original signature', () => {
    const { token } = service.issue('access', 1, 's')
    const [h, , s] = token.split('.') as [string, string, string]
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
    rejects(service, `${h}.${b64({ ...payload, user_id: 2 })}.${s}`)
  })

  it('rejects a token signed with alg none (empty signature), with or without our kid', () => {
    rejects(service, forge({ alg: 'none', typ: 'JWT' }, claims()))
    rejects(service, forge({ alg: 'none', typ: 'JWT', kid: KEY.kid }, claims()))
    rejects(service, forge({ alg: 'None', kid: KEY.kid }, claims()))
  })

  it('rejects another HMAC algorithm (HS512) signed with the right secret', () => {
    rejects(service, forge({ alg: 'HS512', typ: 'JWT', kid: KEY.kid }, claims(), hmac('sha512', SECRET)))
    rejects(service, forge({ alg: 'HS512', typ: 'JWT' }, claims(), hmac('sha512', SECRET)))
  })

  it('rejects an RS256 token, including one whose key is the HMAC secret (algorithm confusion)', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const rs256 = (input: string) => createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')
    rejects(service, forge({ alg: 'RS256', typ: 'JWT', kid: KEY.kid }, claims(), rs256))
    rejects(service, forge({ alg: 'RS256', typ: 'JWT' }, claims(), rs256))
  })

  it('rejects a token of the wrong token_type, both ways', () => {
    const access = service.issue('access', 1, 's').token
    const refresh = service.issue('refresh', 1, 's').token
    assert.equal(rejects(service, access, 'refresh', /wrong type/).reason, 'wrong_type')
    assert.equal(rejects(service, refresh, 'access', /wrong type/).reason, 'wrong_type')
    rejects(service, forge({ alg: 'HS256', kid: KEY.kid }, claims({ token_type: 'sliding' as TokenType }), hmac('sha256', SECRET)), 'access', /wrong type/)
  })

  it('rejects an expired token with SimpleJWT wording and code ERR_TOKEN_EXPIRED', () => {
    const past = Date.now() - 3600_000
    const old = createTokenService(SETTINGS, createKeyRing([KEY]), { now: () => past }).issue('access', 1, 's').token
    const error = rejects(service, old, 'access', /^Token is expired$/)
    assert.equal(error.reason, 'expired')
    assert.equal(error.code, 'ERR_TOKEN_EXPIRED')
  })

  it('honours an injected clock when verifying: a token expires once that clock passes exp', () => {
    let now = Date.now()
    const clocked = createTokenService(SETTINGS, createKeyRing([KEY]), { now: () => now })
    const { token } = clocked.issue('access', 1, 's')
    assert.equal(clocked.verify(token, 'access').user_id, 1)
    now += 901_000
    assert.equal(rejects(clocked, token, 'access').reason, 'expired')
  })

  it('tolerates JWT_LEEWAY seconds past exp, and not more', () => {
    let now = Date.now()
    const lenient = createTokenService({ ...SETTINGS, leeway: 30 }, createKeyRing([KEY]), { now: () => now })
    const { token } = lenient.issue('access', 1, 's')
    now += 915_000
    assert.equal(lenient.verify(token, 'access').user_id, 1)
    now += 20_000
    rejects(lenient, token, 'access', /expired/)
  })

  it('rejects garbage, the wrong number of parts, bad base64/JSON and huge tokens', () => {
    const valid = service.issue('access', 1, 's').token
    const garbage = [
      '',
      'garbage',
      'a.b',
      `${valid}.extra`,
      valid.split('.').slice(0, 2).join('.'),
      '..',
      '.a.b',
      `${b64('not json')}.${b64(claims())}.sig`,
      `${b64('null')}.${b64(claims())}.sig`,
      `${b64('[]')}.${b64(claims())}.sig`,
      `${b64({ alg: 'HS256', kid: KEY.kid })}.${b64('not json')}.${hmac('sha256', SECRET)(`${b64({ alg: 'HS256', kid: KEY.kid })}.${b64('not json')}`)}`,
      '\u0000.\u0000.\u0000',
      '💥.💥.💥',
      `${valid}${'A'.repeat(10_000)}`,
      'x'.repeat(100_000),
    ]
    for (const token of garbage) rejects(service, token)
  })

  it('rejects a properly signed token that lacks a required claim or has a bad one', () => {
    const sign = hmac('sha256', SECRET)
    const header = { alg: 'HS256', kid: KEY.kid }
    for (const claim of ['exp', 'iat', 'jti', 'token_type', 'user_id']) {
      const c: Record<string, unknown> = claims()
      delete c[claim]
      rejects(service, forge(header, c, sign))
    }
    rejects(service, forge(header, claims({ user_id: 'admin' }), sign), 'access', /user identification/)
    rejects(service, forge(header, claims({ user_id: 1.5 }), sign), 'access', /user identification/)
    rejects(service, forge(header, claims({ user_id: { id: 1 } as unknown as number }), sign))
    rejects(service, forge(header, claims({ jti: '' }), sign))
    rejects(service, forge(header, claims({ sid: 7 as unknown as string }), sign))
    rejects(service, forge(header, claims({ exp: 'tomorrow' as unknown as number }), sign))
  })

  it('rejects a token naming an unknown kid, or a kid that is not a string', () => {
    const sign = hmac('sha256', SECRET)
    rejects(service, forge({ alg: 'HS256', kid: 'no-such-key' }, claims(), sign))
    rejects(service, forge({ alg: 'HS256', kid: 42 }, claims(), sign))
    rejects(service, forge({ alg: 'HS256', kid: null }, claims(), sign))
  })

  it('does not let the verified-token cache hide a later failure of the same string with other claims', () => {
    const { token } = service.issue('access', 1, 's')
    service.verify(token, 'access')
    assert.equal(rejects(service, token, 'refresh').reason, 'wrong_type')
  })
})

describe('tokens: the verified-token cache', () => {
  it('a verified token vouches only for its exact text: a tampered copy is still checked and refused', () => {
    const service = createTokenService(SETTINGS, createKeyRing([KEY]))
    const { token } = service.issue('access', 1, 's')
    service.verify(token, 'access')
    const [header, payload, signature] = token.split('.')
    const body = JSON.parse(Buffer.from(payload!, 'base64url').toString())
    const tampered = `${header}.${b64({ ...body, user_id: 2 })}.${signature}`
    assert.throws(() => service.verify(tampered, 'access'), /Token is invalid/)
  })

  it('a cached token still expires: its exp is checked on every hit', () => {
    let now = Date.now()
    const service = createTokenService(SETTINGS, createKeyRing([KEY]), { now: () => now })
    const { token } = service.issue('access', 1, 's')
    service.verify(token, 'access')
    now += 901_000
    assert.throws(() => service.verify(token, 'access'), /Token is expired/)
  })

  it('a key taken out of the ring stops verifying, even for tokens verified before', () => {
    const service = createTokenService(SETTINGS, createKeyRing([KEY]))
    const { token } = service.issue('access', 1, 's')
    service.verify(token, 'access')
    const other = { ...KEY, kid: 'other-key', signingKey: 'another-secret-key-0123456789abcdef-xyz', verifyingKey: 'another-secret-key-0123456789abcdef-xyz' }
    service.setRing(createKeyRing([other]))
    assert.throws(() => service.verify(token, 'access'), /Token is invalid/)
  })
})
