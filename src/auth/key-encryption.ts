import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { TesseraError } from '../errors.js'

/**
 * Secrets kept in the database are stored sealed: AES-256-GCM under a key derived with HKDF-SHA256 from
 * SECRET_KEY, so a copy of the database (a backup, a world-readable file) holds nothing usable without the
 * settings. Each kind of secret has its own HKDF `info` (a signing key's seal opens no TOTP secret), and the
 * row's identity is the additional data: a sealed value moved to another row no longer opens.
 *
 * Stored form: `tessera-sealed:v1:` + base64url(salt 16 ‖ iv 12 ‖ tag 16 ‖ ciphertext). A fresh salt per
 * seal means a fresh key per row, so GCM's nonce space is never shared between rows.
 */
const PREFIX = 'tessera-sealed:v1:'
const SALT = 16
const IV = 12
const TAG = 16

/** What a secret is sealed as: the HKDF info of its kind and the identity of its row. */
export interface SealContext {
  info: string
  aad: string
}

const deriveKey = (secret: string, salt: Buffer, info: string) => Buffer.from(hkdfSync('sha256', secret, salt, info, 32))

export const isSealed = (stored: string): boolean => stored.startsWith(PREFIX)

export function sealText(text: string, context: SealContext, secret: string): string {
  const salt = randomBytes(SALT)
  const iv = randomBytes(IV)
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret, salt, context.info), iv)
  cipher.setAAD(Buffer.from(context.aad))
  const ciphertext = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
  return PREFIX + Buffer.concat([salt, iv, cipher.getAuthTag(), ciphertext]).toString('base64url')
}

/**
 * Opens a sealed value with SECRET_KEY, then each of SECRET_KEY_FALLBACKS (so that rotating SECRET_KEY keeps
 * it readable); `index` is the position of the secret that opened it. Null when none does or it is malformed.
 */
export function openText(stored: string, context: SealContext, secrets: readonly string[]): { text: string; index: number } | null {
  if (!isSealed(stored)) return null
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url')
  if (raw.length <= SALT + IV + TAG) return null
  const salt = raw.subarray(0, SALT)
  const iv = raw.subarray(SALT, SALT + IV)
  const tag = raw.subarray(SALT + IV, SALT + IV + TAG)
  const ciphertext = raw.subarray(SALT + IV + TAG)
  for (const [index, secret] of secrets.entries()) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret, salt, context.info), iv)
      decipher.setAAD(Buffer.from(context.aad))
      decipher.setAuthTag(tag)
      return { text: Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8'), index }
    } catch {
      // Not this secret (GCM's tag check failed): try the next one.
    }
  }
  return null
}

/** Private signing keys (RS256, ES256, EdDSA); the kid is the additional data. */
const signingKey = (kid: string): SealContext => ({ info: 'tessera signing-key encryption v1', aad: kid })

export const sealPrivateKey = (pem: string, kid: string, secret: string): string => sealText(pem, signingKey(kid), secret)

export interface OpenedKey {
  pem: string
  /** What the row needs: nothing (sealed under SECRET_KEY), or a new seal (plaintext, or a fallback's seal). */
  reseal: 'none' | 'plaintext' | 'fallback'
}

/** Opens a stored private key; a row from before sealing is a PEM, read as it is. */
export function openPrivateKey(stored: string, kid: string, secrets: readonly string[]): OpenedKey {
  if (!isSealed(stored)) return { pem: stored, reseal: 'plaintext' }
  const opened = openText(stored, signingKey(kid), secrets)
  if (!opened) throw unreadable(kid)
  return { pem: opened.text, reseal: opened.index === 0 ? 'none' : 'fallback' }
}

const unreadable = (kid: string) =>
  new TesseraError(
    'ERR_CONFIG_INVALID',
    `the private signing key '${kid}' in the database cannot be decrypted with SECRET_KEY or SECRET_KEY_FALLBACKS: it was sealed under a SECRET_KEY that is no longer configured (put it back into SECRET_KEY_FALLBACKS)`,
  )
