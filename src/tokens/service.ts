import { randomUUID } from 'node:crypto'
import { createSigner, createVerifier } from 'fast-jwt'
import type { TokenSettings } from '../config/index.js'
import { isCanonicalCompactJws } from './base64url.js'
import type { IssuedToken, TokenClaims, TokenType } from './claims.js'
import { TokenInvalidError } from './errors.js'
import type { KeyRing, SigningKey } from './keys.js'

/** Longest token we even try to parse: a cookie cannot be much longer anyway. */
const MAX_TOKEN_LENGTH = 8192
const REQUIRED_CLAIMS = ['exp', 'iat', 'jti', 'token_type', 'user_id']

export interface TokenService {
  /** Issues a token of `type` for `userId` in session `sid`, with a fresh `jti`. */
  issue(type: TokenType, userId: number | string, sid: string): IssuedToken
  /** Signs exactly these claims again (a refresh token re-issued from its stored row). */
  sign(claims: TokenClaims): string
  /** Verifies signature (with the key its `kid` names), expiry and `token_type`; throws TokenInvalidError. */
  verify(token: string, type: TokenType): TokenClaims
  /** The ring in use. */
  readonly ring: KeyRing
  /** Swaps in a reloaded ring (after a key rotation on another instance). */
  setRing(ring: KeyRing): void
}

export interface TokenServiceDeps {
  /** Milliseconds since the epoch. */
  now?: () => number
}

/** 32 lowercase hex characters: SimpleJWT's `uuid4().hex` (randomUUID draws from a pooled CSPRNG buffer). */
export const newJti = (): string => randomUUID().replaceAll('-', '')

/** How many verified tokens are remembered (an access token is presented on every request). */
const VERIFIED_CACHE_SIZE = 10_000

/**
 * Builds the signer and one verifier per key once. Each verifier accepts only its own key's
 * algorithm: the token's `alg` never chooses anything (RFC 8725 §3.1). A token whose signature has
 * been checked once is remembered by its exact text (which no other token can share), so a repeated
 * access token costs a map lookup; its time claims are checked on every use.
 */
export function createTokenService(settings: TokenSettings, initialRing: KeyRing, deps: TokenServiceDeps = {}): TokenService {
  let ring = initialRing
  const now = deps.now ?? Date.now
  type Sign = (payload: TokenClaims) => string
  const signers = new Map<string, Sign>()
  const signerFor = (key: SigningKey): Sign => {
    let signer = signers.get(key.kid)
    if (!signer) {
      signer = createSigner({ key: key.signingKey!, algorithm: key.algorithm, kid: key.kid, ...(settings.issuer && { iss: settings.issuer }), ...(settings.audience && { aud: settings.audience }) }) as Sign
      signers.set(key.kid, signer)
    }
    return signer
  }
  let verifiers = new Map<string, (token: string) => TokenClaims>()
  const buildVerifiers = (keys: KeyRing) => {
    const built = new Map<string, (token: string) => TokenClaims>()
    for (const key of keys.keys.values()) {
      built.set(key.kid, verifiers.get(key.kid) ?? (createVerifier({
        key: key.verifyingKey,
        algorithms: [key.algorithm],
        cache: false,
        requiredClaims: REQUIRED_CLAIMS,
        // `exp`/`nbf` are checked in `verify` against the service's clock, on cache hits too: one place.
        ignoreExpiration: true,
        ignoreNotBefore: true,
        ...(settings.issuer && { allowedIss: settings.issuer }),
        ...(settings.audience && { allowedAud: settings.audience }),
      }) as (token: string) => TokenClaims))
    }
    return built
  }
  verifiers = buildVerifiers(ring)
  const verified = new Map<string, { claims: TokenClaims; retiresAt: number | undefined }>()
  const remember = (token: string, claims: TokenClaims, key: SigningKey) => {
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!)
    verified.set(token, { claims, retiresAt: key.retiresAt })
  }
  const lifetime = { access: settings.accessLifetime, refresh: settings.refreshLifetime }

  function keyFor(token: string, type: TokenType): SigningKey {
    const dot = token.indexOf('.')
    if (token.length > MAX_TOKEN_LENGTH || dot < 1 || !isCanonicalCompactJws(token)) throw new TokenInvalidError(type, 'Token is invalid')
    let header: unknown
    try {
      header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'))
    } catch {
      throw new TokenInvalidError(type, 'Token is invalid')
    }
    if (typeof header !== 'object' || header === null) throw new TokenInvalidError(type, 'Token is invalid')
    const kid = (header as { kid?: unknown }).kid
    if (kid === undefined) return ring.fallback
    const key = typeof kid === 'string' ? ring.keys.get(kid) : undefined
    if (!key) throw new TokenInvalidError(type, 'Token is invalid')
    if (key.retiresAt !== undefined && key.retiresAt * 1000 <= now()) throw new TokenInvalidError(type, 'Token is invalid')
    return key
  }

  return {
    get ring() {
      return ring
    },
    setRing(next) {
      verifiers = buildVerifiers(next)
      ring = next
      verified.clear()
    },
    issue(type, userId, sid) {
      const iat = Math.floor(now() / 1000)
      const claims: TokenClaims = { token_type: type, exp: iat + Math.ceil(lifetime[type]), iat, jti: newJti(), user_id: userId, sid }
      return { token: signerFor(ring.current)(claims), claims }
    },
    sign(claims) {
      return signerFor(ring.current)({ ...claims })
    },
    verify(token, type) {
      const nowS = now() / 1000
      const hit = verified.get(token)
      let claims: TokenClaims
      if (hit && (hit.retiresAt === undefined || hit.retiresAt > nowS)) {
        claims = hit.claims
      } else {
        const key = keyFor(token, type)
        try {
          claims = verifiers.get(key.kid)!(token)
        } catch (error) {
          throw new TokenInvalidError(type, 'Token is invalid', 'invalid', { cause: error })
        }
        // Only access tokens come back: a refresh token is spent (rotation) or ends its session (logout)
        // at its one use, and would only push access tokens out of the cache.
        if (type === 'access') remember(token, claims, key)
      }
      if (typeof claims.exp !== 'number' || claims.exp + settings.leeway <= nowS) throw new TokenInvalidError(type, 'Token is expired', 'expired')
      if (typeof claims.nbf === 'number' && claims.nbf - settings.leeway > nowS) throw new TokenInvalidError(type, 'Token is invalid')
      if (claims.token_type !== type) throw new TokenInvalidError(type, 'Token has wrong type', 'wrong_type')
      if (typeof claims.jti !== 'string' || claims.jti === '') throw new TokenInvalidError(type, 'Token has no id')
      const uid = claims.user_id
      if (!((typeof uid === 'number' && Number.isSafeInteger(uid)) || (typeof uid === 'string' && /^\d{1,15}$/.test(uid)))) {
        throw new TokenInvalidError(type, 'Token contained no recognizable user identification')
      }
      if (claims.sid !== undefined && typeof claims.sid !== 'string') throw new TokenInvalidError(type, 'Token is invalid')
      return claims
    },
  }
}
