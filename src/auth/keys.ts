import type { TokenSettings } from '../config/index.js'
import { TesseraError } from '../errors.js'
import { createHmacKey, createKeyRing, generateKey, isHmac, type KeyRing, type SigningKey } from '../tokens/index.js'
import type { KeyStore, StoredKey } from './store.js'

const fromStored = (row: StoredKey): SigningKey => ({
  kid: row.kid,
  algorithm: row.algorithm as SigningKey['algorithm'],
  signingKey: row.private_key,
  verifyingKey: row.public_key,
  retiresAt: row.retires_at === null ? undefined : Math.floor(row.retires_at / 1000),
})

/**
 * The key ring for the configured algorithm.
 * - HMAC (HS256, the default): SECRET_KEY signs; SECRET_KEY_FALLBACKS still verify (Django 4.1's way
 *   of rotating SECRET_KEY). Nothing is stored: every instance derives the same keys.
 * - RS256, ES256, EdDSA: key pairs live in the database so every instance shares them; the newest
 *   signs, older ones verify until they retire. The first start creates one.
 * Tokens without a `kid` (SimpleJWT's) are verified with the SECRET_KEY HMAC key only when the ring is HMAC
 * or `simplejwtCompat` is set for a migration; otherwise with the current key, whose algorithm they must use.
 */
export async function loadKeyRing(settings: TokenSettings & { secretKeyFallbacks?: readonly string[] }, store: KeyStore, now: number, simplejwtCompat = false): Promise<KeyRing> {
  const hmacAlgorithm = isHmac(settings.algorithm) ? settings.algorithm : 'HS256'
  const secretKeys = [settings.secretKey, ...(settings.secretKeyFallbacks ?? [])].map((secret) => createHmacKey(secret, hmacAlgorithm))
  if (isHmac(settings.algorithm)) return createKeyRing(secretKeys, secretKeys[0])

  let stored = await store.listSigningKeys(now)
  if (!stored.some((k) => k.algorithm === settings.algorithm)) {
    await addKey(settings, store, now)
    stored = await store.listSigningKeys(now)
  }
  // The newest key of the configured algorithm signs; every stored key that has not retired verifies.
  const current = stored.filter((k) => k.algorithm === settings.algorithm).map(fromStored)
  const others = stored.filter((k) => k.algorithm !== settings.algorithm).map((k) => ({ ...fromStored(k), signingKey: undefined }))
  return createKeyRing([...current, ...others], simplejwtCompat ? secretKeys[0] : undefined)
}

/**
 * Adds a new key pair as the signing key; keys before it keep verifying for one refresh lifetime (so
 * every token they signed can still be used until it expires), then retire.
 */
export async function addKey(settings: TokenSettings, store: KeyStore, now: number): Promise<SigningKey> {
  if (isHmac(settings.algorithm)) {
    throw new TesseraError('ERR_CONFIG_INVALID', 'HMAC keys come from SECRET_KEY: to rotate, set a new SECRET_KEY and move the old one to SECRET_KEY_FALLBACKS')
  }
  const key = generateKey(settings.algorithm)
  await store.addSigningKey(
    { kid: key.kid, algorithm: key.algorithm, private_key: key.signingKey!, public_key: key.verifyingKey, created_at: now, retires_at: null },
    now + Math.ceil(settings.refreshLifetime) * 1000,
  )
  return key
}
