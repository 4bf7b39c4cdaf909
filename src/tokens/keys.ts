import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import type { Algorithm } from '../config/index.js'

/** One key of the ring. HMAC keys have `secret`; asymmetric keys have PEM `privateKey`/`publicKey`. */
export interface SigningKey {
  kid: string
  algorithm: Algorithm
  /** Secret (HS*) or PEM private key: what signs. Absent for a verify-only key. */
  signingKey: string | undefined
  /** Secret (HS*) or PEM public key: what verifies. */
  verifyingKey: string
  /** Seconds since the epoch; after this the key no longer verifies. Undefined: no end. */
  retiresAt?: number | undefined
}

/** Signs with `current`, verifies with any key in `keys`; `fallback` verifies tokens that carry no `kid` (SimpleJWT's). */
export interface KeyRing {
  current: SigningKey
  keys: ReadonlyMap<string, SigningKey>
  fallback: SigningKey
}

export const isHmac = (algorithm: Algorithm): boolean => algorithm.startsWith('HS')

/**
 * The HMAC key made from SECRET_KEY, as SimpleJWT does with Django's SECRET_KEY. Its `kid` is derived
 * one-way from the secret, so every instance with the same secret names it the same.
 */
export function createHmacKey(secret: string, algorithm: Algorithm = 'HS256'): SigningKey {
  const kid = createHash('sha256').update(`tessera-kid:${secret}`).digest('base64url').slice(0, 12)
  return { kid, algorithm, signingKey: secret, verifyingKey: secret }
}

/** A new asymmetric key pair for RS256, ES256 or EdDSA (Ed25519), in PEM. */
export function generateKey(algorithm: Algorithm): SigningKey {
  const kid = randomBytes(9).toString('base64url')
  if (isHmac(algorithm)) {
    const secret = randomBytes(64).toString('base64url')
    return { kid, algorithm, signingKey: secret, verifyingKey: secret }
  }
  const pair =
    algorithm === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : algorithm === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('ed25519')
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  return { kid, algorithm, signingKey: privateKey, verifyingKey: publicKey }
}

/** Builds a ring from keys ordered newest first. */
export function createKeyRing(keys: readonly SigningKey[], fallback?: SigningKey): KeyRing {
  const current = keys.find((k) => k.signingKey !== undefined)
  if (!current) throw new Error('the key ring needs at least one key that can sign')
  const all = new Map<string, SigningKey>()
  for (const key of [...keys, ...(fallback ? [fallback] : [])]) if (!all.has(key.kid)) all.set(key.kid, key)
  return { current, keys: all, fallback: fallback ?? current }
}

/** The public JWK of an asymmetric key, with `kid`, `alg` and `use`; undefined for HMAC keys. */
export function toPublicJwk(key: SigningKey): JsonWebKey & { kid: string; alg: string; use: string } | undefined {
  if (isHmac(key.algorithm)) return undefined
  const jwk = createPublicKey(key.verifyingKey).export({ format: 'jwk' })
  return { ...jwk, kid: key.kid, alg: key.algorithm, use: 'sig' }
}
