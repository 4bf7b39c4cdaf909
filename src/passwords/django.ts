/**
 * Verification of password hashes written by Django's `django.contrib.auth.hashers`, so users
 * migrated from a Django database can log in and be upgraded to Tessera's argon2id.
 *
 * Only verification lives here: Tessera never writes these formats. Semantics follow Django's
 * hashers (each `verify` re-encodes and compares in constant time), with one deliberate difference:
 * anything malformed or too expensive is "no match" rather than an exception.
 */
import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { compare as bcryptCompare } from 'bcryptjs'
import { verifyArgon2Phc } from './argon2.js'
import { MAX_BCRYPT_COST, MAX_ENCODED_LENGTH, MAX_PBKDF2_ITERATIONS } from './limits.js'

const pbkdf2Async = promisify(pbkdf2)

/** Django's `UNUSABLE_PASSWORD_PREFIX`: `set_unusable_password()` stores `!` plus random characters. */
export const DJANGO_UNUSABLE_PASSWORD_PREFIX = '!'

/** The Django hasher names (the part before the first `$`) that Tessera can verify. */
export type DjangoAlgorithm = 'pbkdf2_sha256' | 'pbkdf2_sha1' | 'argon2' | 'bcrypt_sha256' | 'bcrypt'

const PBKDF2_DIGESTS = {
  // Django passes dklen=None, i.e. the digest size.
  pbkdf2_sha256: { digest: 'sha256', keylen: 32 },
  pbkdf2_sha1: { digest: 'sha1', keylen: 20 },
} as const

const DJANGO_ALGORITHMS: ReadonlySet<string> = new Set<DjangoAlgorithm>([
  'pbkdf2_sha256',
  'pbkdf2_sha1',
  'argon2',
  'bcrypt_sha256',
  'bcrypt',
])

// Django writes iterations with "%d", and its verify compares the whole re-encoded string, so
// leading zeros, signs or underscores (all accepted by Python's int()) can never match there either.
const ITERATIONS_RE = /^[1-9][0-9]{0,9}$/
// A modular-crypt bcrypt hash: version, two-digit cost, 22 salt + 31 hash chars of bcrypt base64.
const BCRYPT_RE = /^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$/

/**
 * The Django algorithm named by an encoded password, or `null` when it is not a format Tessera
 * verifies (unusable `!` passwords, unsalted/legacy hashers such as `md5`, `sha1`, `crypt`, and
 * anything else).
 */
export function identifyDjangoAlgorithm(encoded: string): DjangoAlgorithm | null {
  const end = encoded.indexOf('$')
  if (end < 1) return null
  const name = encoded.slice(0, end)
  return DJANGO_ALGORITHMS.has(name) ? (name as DjangoAlgorithm) : null
}

/**
 * Check a password against a Django-encoded hash (`pbkdf2_sha256`, `pbkdf2_sha1`, `argon2`,
 * `bcrypt_sha256`, `bcrypt`).
 *
 * Never throws: unusable, empty, unknown, malformed and over-cost hashes all return `false`, the
 * costly ones before any hashing starts.
 */
export async function verifyDjangoPassword(password: string, encoded: string | null | undefined): Promise<boolean> {
  if (typeof password !== 'string' || typeof encoded !== 'string') return false
  if (encoded === '' || encoded.startsWith(DJANGO_UNUSABLE_PASSWORD_PREFIX)) return false
  if (encoded.length > MAX_ENCODED_LENGTH) return false
  const algorithm = identifyDjangoAlgorithm(encoded)
  if (algorithm === null) return false
  const rest = encoded.slice(algorithm.length + 1)
  try {
    switch (algorithm) {
      case 'pbkdf2_sha256':
      case 'pbkdf2_sha1':
        return await verifyPbkdf2(algorithm, password, rest)
      case 'argon2':
        // Django's Argon2PasswordHasher stores argon2-cffi's PHC string minus its leading '$'.
        return await verifyArgon2Phc(`$${rest}`, password)
      case 'bcrypt_sha256':
        // Django pre-hashes to 64 ASCII hex chars so long passwords are not cut at bcrypt's 72 bytes.
        return await verifyBcrypt(createHash('sha256').update(password, 'utf8').digest('hex'), rest)
      case 'bcrypt':
        // bcryptjs, like the C library Django uses, only sees the first 72 UTF-8 bytes.
        return await verifyBcrypt(password, rest)
    }
  } catch {
    // Belt and braces: a crypto library rejecting odd input must read as "no match", not a 500.
    return false
  }
}

/** `<iterations>$<salt>$<base64 hash>` after the algorithm name. */
async function verifyPbkdf2(
  algorithm: keyof typeof PBKDF2_DIGESTS,
  password: string,
  rest: string,
): Promise<boolean> {
  const parts = rest.split('$')
  if (parts.length !== 3) return false
  const [iterationsText, salt, expected] = parts as [string, string, string]
  if (!ITERATIONS_RE.test(iterationsText) || salt === '' || expected === '') return false
  const iterations = Number(iterationsText)
  if (iterations > MAX_PBKDF2_ITERATIONS) return false
  const { digest, keylen } = PBKDF2_DIGESTS[algorithm]
  // Async so the work runs on libuv's pool; Django hashes password and salt as UTF-8.
  const derived = await pbkdf2Async(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), iterations, keylen, digest)
  // Compare encodings as Django does (b64encode, padded), rather than leniently decoding the stored text.
  return constantTimeEqual(derived.toString('base64'), expected)
}

/** `$2b$<cost>$<salt+hash>` after the algorithm name; `secret` is what bcrypt itself sees. */
async function verifyBcrypt(secret: string, bcryptHash: string): Promise<boolean> {
  const match = BCRYPT_RE.exec(bcryptHash)
  if (match === null) return false
  const cost = Number(match[1])
  if (cost < 4 || cost > MAX_BCRYPT_COST) return false
  // bcryptjs re-hashes with the stored salt and compares the full strings without early exit.
  return bcryptCompare(secret, bcryptHash)
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  // Lengths are public (fixed per algorithm), so the early return leaks nothing secret.
  return left.length === right.length && timingSafeEqual(left, right)
}
