/**
 * Verification of password hashes written by Django's `django.contrib.auth.hashers`, so users
 * migrated from a Django database can log in and be upgraded to Tessera's argon2id.
 *
 * Only verification lives here: Tessera never writes these formats. Semantics follow Django's
 * hashers (each `verify` re-encodes and compares in constant time), with one deliberate difference:
 * anything malformed or too expensive is "no match" rather than an exception. A hash is parsed, and
 * its cost checked, before any hashing (`parseDjangoHash`), so that the caller can also tell an import
 * why a hash would never verify.
 */
import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { verify as argon2Verify } from '@node-rs/argon2'
import { compareBcrypt } from './bcrypt-thread.js'
import { MAX_ARGON2_PARALLELISM, MAX_BCRYPT_COST, MAX_DJANGO_ARGON2_MEMORY_KIB, MAX_DJANGO_ARGON2_WORK, MAX_ENCODED_LENGTH, MAX_PBKDF2_ITERATIONS } from './limits.js'
import { parseArgon2Phc } from './phc.js'

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

const DJANGO_ALGORITHMS: ReadonlySet<string> = new Set<DjangoAlgorithm>(['pbkdf2_sha256', 'pbkdf2_sha1', 'argon2', 'bcrypt_sha256', 'bcrypt'])

// Django writes iterations with "%d", and its verify compares the whole re-encoded string, so
// leading zeros, signs or underscores (all accepted by Python's int()) can never match there either.
const ITERATIONS_RE = /^[1-9][0-9]{0,9}$/
// A modular-crypt bcrypt hash: version, two-digit cost, 22 salt + 31 hash chars of bcrypt base64.
const BCRYPT_RE = /^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$/

/** A Django hash that can be verified, with what verifying it needs. */
export type DjangoHash =
  | { algorithm: 'pbkdf2_sha256' | 'pbkdf2_sha1'; iterations: number; salt: string; expected: string }
  | { algorithm: 'argon2'; phc: string }
  | { algorithm: 'bcrypt_sha256' | 'bcrypt'; bcryptHash: string }

/** Why a stored hash can never verify: `too-costly` is the one an import must refuse. */
export interface DjangoHashProblem {
  problem: 'unusable' | 'unsupported' | 'malformed' | 'too-costly'
  detail: string
}

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

const malformed = (algorithm: string): DjangoHashProblem => ({ problem: 'malformed', detail: `not a well-formed ${algorithm} hash` })
const tooCostly = (detail: string): DjangoHashProblem => ({ problem: 'too-costly', detail })

/** Reads an encoded Django hash and checks its cost against the caps, without hashing anything. */
export function parseDjangoHash(encoded: string): DjangoHash | DjangoHashProblem {
  if (encoded.startsWith(DJANGO_UNUSABLE_PASSWORD_PREFIX)) return { problem: 'unusable', detail: 'an unusable password (set_unusable_password)' }
  if (encoded.length > MAX_ENCODED_LENGTH) return malformed('password')
  const algorithm = identifyDjangoAlgorithm(encoded)
  if (algorithm === null) return { problem: 'unsupported', detail: `a hasher Tessera does not verify (${encoded.slice(0, Math.max(0, encoded.indexOf('$'))) || 'unknown'})` }
  const rest = encoded.slice(algorithm.length + 1)
  switch (algorithm) {
    case 'pbkdf2_sha256':
    case 'pbkdf2_sha1': {
      const parts = rest.split('$')
      if (parts.length !== 3) return malformed(algorithm)
      const [iterationsText, salt, expected] = parts as [string, string, string]
      if (!ITERATIONS_RE.test(iterationsText) || salt === '' || expected === '') return malformed(algorithm)
      const iterations = Number(iterationsText)
      if (iterations > MAX_PBKDF2_ITERATIONS) return tooCostly(`${algorithm} with ${iterations} iterations (at most ${MAX_PBKDF2_ITERATIONS})`)
      return { algorithm, iterations, salt, expected }
    }
    case 'argon2': {
      // Django's Argon2PasswordHasher stores argon2-cffi's PHC string minus its leading '$'.
      const phc = `$${rest}`
      const parsed = parseArgon2Phc(phc)
      if (parsed === null || parsed.memoryCost < 8 * parsed.parallelism) return malformed(algorithm)
      if (parsed.memoryCost > MAX_DJANGO_ARGON2_MEMORY_KIB || parsed.memoryCost * parsed.timeCost > MAX_DJANGO_ARGON2_WORK || parsed.parallelism > MAX_ARGON2_PARALLELISM) {
        return tooCostly(`argon2 with m=${parsed.memoryCost} KiB, t=${parsed.timeCost}, p=${parsed.parallelism} (at most ${MAX_DJANGO_ARGON2_MEMORY_KIB} KiB, memory × passes ${MAX_DJANGO_ARGON2_WORK}, ${MAX_ARGON2_PARALLELISM} lanes)`)
      }
      return { algorithm, phc }
    }
    case 'bcrypt_sha256':
    case 'bcrypt': {
      const match = BCRYPT_RE.exec(rest)
      if (match === null) return malformed(algorithm)
      const cost = Number(match[1])
      if (cost < 4) return malformed(algorithm)
      if (cost > MAX_BCRYPT_COST) return tooCostly(`${algorithm} with cost ${cost} (at most ${MAX_BCRYPT_COST})`)
      return { algorithm, bcryptHash: rest }
    }
  }
}

export const isDjangoHashProblem = (parsed: DjangoHash | DjangoHashProblem): parsed is DjangoHashProblem => 'problem' in parsed

/** Checks a password against a parsed hash. Never throws: a library refusing odd input is "no match". */
export async function verifyDjangoHash(password: string, hash: DjangoHash): Promise<boolean> {
  try {
    switch (hash.algorithm) {
      case 'pbkdf2_sha256':
      case 'pbkdf2_sha1': {
        const { digest, keylen } = PBKDF2_DIGESTS[hash.algorithm]
        // Async so the work runs on libuv's pool; Django hashes password and salt as UTF-8.
        const derived = await pbkdf2Async(Buffer.from(password, 'utf8'), Buffer.from(hash.salt, 'utf8'), hash.iterations, keylen, digest)
        // Compare encodings as Django does (b64encode, padded), rather than leniently decoding the stored text.
        return constantTimeEqual(derived.toString('base64'), hash.expected)
      }
      case 'argon2':
        return await argon2Verify(hash.phc, password)
      case 'bcrypt_sha256':
        // Django pre-hashes to 64 ASCII hex chars so long passwords are not cut at bcrypt's 72 bytes.
        return await compareBcrypt(createHash('sha256').update(password, 'utf8').digest('hex'), hash.bcryptHash)
      case 'bcrypt':
        // bcryptjs, like the C library Django uses, only sees the first 72 UTF-8 bytes.
        return await compareBcrypt(password, hash.bcryptHash)
    }
  } catch {
    return false
  }
}

/**
 * Check a password against a Django-encoded hash (`pbkdf2_sha256`, `pbkdf2_sha1`, `argon2`,
 * `bcrypt_sha256`, `bcrypt`).
 *
 * Never throws: unusable, empty, unknown, malformed and over-cost hashes all return `false`, the
 * costly ones before any hashing starts.
 */
export async function verifyDjangoPassword(password: string, encoded: string | null | undefined): Promise<boolean> {
  if (typeof password !== 'string' || typeof encoded !== 'string' || encoded === '') return false
  const parsed = parseDjangoHash(encoded)
  return isDjangoHashProblem(parsed) ? false : verifyDjangoHash(password, parsed)
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  // Lengths are public (fixed per algorithm), so the early return leaks nothing secret.
  return left.length === right.length && timingSafeEqual(left, right)
}
