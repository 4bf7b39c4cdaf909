import type { TokenSettings } from '../config/index.js'
import { TesseraError } from '../errors.js'
import { createHmacKey, createKeyRing, generateKey, isHmac, type KeyRing, type SigningKey } from '../tokens/index.js'
import { isSealed, openPrivateKey, sealPrivateKey } from './key-encryption.js'
import type { KeyStore, StoredKey } from './store.js'

type KeySecrets = Pick<TokenSettings, 'secretKey'> & { secretKeyFallbacks?: readonly string[] }

const secretsOf = (settings: KeySecrets): string[] => [settings.secretKey, ...(settings.secretKeyFallbacks ?? [])]

/** A verify-only key: the public half is all that verifying needs, so no private key is opened for it. */
const verifier = (row: StoredKey): SigningKey => ({
  kid: row.kid,
  algorithm: row.algorithm as SigningKey['algorithm'],
  signingKey: undefined,
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
  // The newest key of the configured algorithm signs (its private key is opened); every stored key that has
  // not retired verifies.
  const signer = stored.find((k) => k.algorithm === settings.algorithm)!
  const current: SigningKey = { ...verifier(signer), signingKey: openPrivateKey(signer.private_key, signer.kid, secretsOf(settings)).pem }
  const others = stored.filter((k) => k !== signer).map(verifier)
  return createKeyRing([current, ...others], simplejwtCompat ? secretKeys[0] : undefined)
}

/**
 * Stored private keys that are not sealed under the current SECRET_KEY: rows from before sealing (plaintext
 * PEM) and rows sealed under a SECRET_KEY now in SECRET_KEY_FALLBACKS. Said at start; `tessera sealkeys` fixes them.
 */
export async function unsealedKeyWarnings(settings: KeySecrets, store: KeyStore): Promise<string[]> {
  // 0: every key, also retired ones, whose private halves are still in the table.
  const rows = await store.listSigningKeys(0)
  const plaintext = rows.filter((row) => !isSealed(row.private_key)).map((row) => row.kid)
  const fallback = rows.filter((row) => isSealed(row.private_key) && needsReseal(row, settings)).map((row) => row.kid)
  const warnings: string[] = []
  if (plaintext.length > 0) warnings.push(`${plaintext.length} private signing key(s) are stored unencrypted (${plaintext.join(', ')}): run \`tessera sealkeys\` once every instance runs this version`)
  if (fallback.length > 0) warnings.push(`${fallback.length} private signing key(s) are sealed under a SECRET_KEY_FALLBACKS entry (${fallback.join(', ')}): run \`tessera sealkeys\` once every instance has the new SECRET_KEY, before dropping the old one`)
  return warnings
}

function needsReseal(row: StoredKey, settings: KeySecrets): boolean {
  try {
    return openPrivateKey(row.private_key, row.kid, secretsOf(settings)).reseal !== 'none'
  } catch {
    return false // unreadable with every secret: loadKeyRing says so when it needs the key
  }
}

/**
 * Seals every stored private key under the current SECRET_KEY (plaintext rows, and rows sealed under a
 * fallback); returns how many it changed. Explicit, not done at start: during a rolling deploy, instances
 * that do not have the new SECRET_KEY yet (or an older Tessera that reads PEM) must still read the keys.
 */
export async function sealStoredKeys(settings: KeySecrets, store: KeyStore): Promise<number> {
  let changed = 0
  for (const row of await store.listSigningKeys(0)) {
    const opened = openPrivateKey(row.private_key, row.kid, secretsOf(settings))
    if (opened.reseal === 'none') continue
    await store.updateSigningKeyPrivate(row.kid, sealPrivateKey(opened.pem, row.kid, settings.secretKey))
    changed += 1
  }
  return changed
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
    { kid: key.kid, algorithm: key.algorithm, private_key: sealPrivateKey(key.signingKey!, key.kid, settings.secretKey), public_key: key.verifyingKey, created_at: now, retires_at: null },
    now + Math.ceil(settings.refreshLifetime) * 1000,
  )
  return key
}
