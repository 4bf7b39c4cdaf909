import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { TesseraError } from '../errors.js'

/**
 * Private signing keys (RS256, ES256, EdDSA) are stored sealed: AES-256-GCM under a key derived with HKDF-SHA256
 * from SECRET_KEY, so a copy of the database (a backup, a world-readable file) holds no usable private key
 * without the settings. The kid is the additional data: a sealed key moved to another row no longer opens.
 *
 * Stored form: `tessera-sealed:v1:` + base64url(salt 16 ‖ iv 12 ‖ tag 16 ‖ ciphertext). A fresh salt per
 * seal means a fresh key per row, so GCM's nonce space is never shared between rows.
 */
const PREFIX = 'tessera-sealed:v1:'
const INFO = 'tessera signing-key encryption v1'
const SALT = 16
const IV = 12
const TAG = 16

const deriveKey = (secret: string, salt: Buffer) => Buffer.from(hkdfSync('sha256', secret, salt, INFO, 32))

export const isSealed = (stored: string): boolean => stored.startsWith(PREFIX)

export function sealPrivateKey(pem: string, kid: string, secret: string): string {
  const salt = randomBytes(SALT)
  const iv = randomBytes(IV)
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret, salt), iv)
  cipher.setAAD(Buffer.from(kid))
  const ciphertext = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()])
  return PREFIX + Buffer.concat([salt, iv, cipher.getAuthTag(), ciphertext]).toString('base64url')
}

export interface OpenedKey {
  pem: string
  /** What the row needs: nothing (sealed under SECRET_KEY), or a new seal (plaintext, or a fallback's seal). */
  reseal: 'none' | 'plaintext' | 'fallback'
}

/**
 * Opens a stored private key with SECRET_KEY, then each of SECRET_KEY_FALLBACKS (so that rotating SECRET_KEY
 * keeps the keys readable). A row from before sealing is a PEM, read as it is.
 */
export function openPrivateKey(stored: string, kid: string, secrets: readonly string[]): OpenedKey {
  if (!isSealed(stored)) return { pem: stored, reseal: 'plaintext' }
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url')
  if (raw.length <= SALT + IV + TAG) throw unreadable(kid)
  const salt = raw.subarray(0, SALT)
  const iv = raw.subarray(SALT, SALT + IV)
  const tag = raw.subarray(SALT + IV, SALT + IV + TAG)
  const ciphertext = raw.subarray(SALT + IV + TAG)
  for (const [index, secret] of secrets.entries()) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret, salt), iv)
      decipher.setAAD(Buffer.from(kid))
      decipher.setAuthTag(tag)
      const pem = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
      return { pem, reseal: index === 0 ? 'none' : 'fallback' }
    } catch {
      // Not this secret (GCM's tag check failed): try the next one.
    }
  }
  throw unreadable(kid)
}

const unreadable = (kid: string) =>
  new TesseraError(
    'ERR_CONFIG_INVALID',
    `the private signing key '${kid}' in the database cannot be decrypted with SECRET_KEY or SECRET_KEY_FALLBACKS: it was sealed under a SECRET_KEY that is no longer configured (put it back into SECRET_KEY_FALLBACKS)`,
  )
