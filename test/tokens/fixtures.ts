/** Shared pieces of the token tests: settings, a hand-made JWT builder, and a refusal assertion. */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import type { TokenSettings } from '../../src/config/index.js'
import { createHmacKey, type createTokenService, TokenInvalidError, type TokenClaims, type TokenType } from '../../src/tokens/index.js'

export const SECRET = 'unit-test-secret-that-is-long-enough-for-hs256-0123456789'
export const SETTINGS: TokenSettings = {
  algorithm: 'HS256',
  secretKey: SECRET,
  secretKeyFallbacks: [],
  accessLifetime: 900,
  refreshLifetime: 30 * 86400,
  rotate: true,
  reuseGrace: 10,
  maxSessionsPerUser: 100,
  issuer: undefined,
  audience: undefined,
  leeway: 0,
}
export const KEY = createHmacKey(SECRET)

export const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** Builds a JWT by hand, so that a test controls every byte of header, payload and signature. */
export function forge(header: Record<string, unknown>, payload: Record<string, unknown>, sign: (input: string) => string = () => ''): string {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${sign(input)}`
}
export const hmac = (alg: 'sha256' | 'sha512', secret: string) => (input: string) => createHmac(alg, secret).update(input).digest('base64url')

export function claims(overrides: Partial<TokenClaims> = {}): TokenClaims {
  const iat = Math.floor(Date.now() / 1000)
  return { token_type: 'access', exp: iat + 900, iat, jti: 'a'.repeat(32), user_id: 1, sid: 'session-1', ...overrides }
}

export function rejects(service: ReturnType<typeof createTokenService>, token: string, type: TokenType = 'access', message?: RegExp): TokenInvalidError {
  let caught: unknown
  try {
    service.verify(token, type)
  } catch (error) {
    caught = error
  }
  assert.ok(caught instanceof TokenInvalidError, `expected TokenInvalidError, got ${String(caught)}`)
  assert.equal(caught.tokenType, type)
  if (message) assert.match(caught.message, message)
  return caught
}
