/**
 * The password hasher the rest of Tessera uses: writes argon2id, reads argon2id plus Django's
 * formats, and tells the caller when a stored hash should be upgraded.
 */
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { TesseraError } from '../errors.js'
import { argon2NeedsRehash, hashArgon2id, resolveArgon2Options, verifyArgon2Phc } from './argon2.js'
import type { Argon2Options } from './argon2.js'
import { verifyDjangoPassword } from './django.js'
import { MAX_PASSWORD_LENGTH } from './limits.js'
import { createSemaphore } from './semaphore.js'

/** Outcome of checking a password against a stored hash. */
export interface VerifyResult {
  /** The password matches. */
  ok: boolean
  /**
   * The password matched but the stored hash is not Tessera's current argon2id configuration
   * (a Django format, or other argon2 parameters): store `hash(password)` in its place.
   * Always `false` when `ok` is `false`.
   */
  needsRehash: boolean
}

/** Hashes new passwords and verifies stored ones. */
export interface PasswordHasher {
  /**
   * Hash a password as an argon2id PHC string with the configured parameters.
   *
   * @throws TesseraError `ERR_PASSWORD_FORMAT` for an empty password or one longer than 4096 characters.
   */
  hash(password: string): Promise<string>
  /**
   * Check a password against a stored hash: Tessera's `$argon2id$…` or a Django-encoded hash.
   * Unknown formats, unusable (`!…`) and missing hashes, and empty or over-long passwords never
   * match. Never throws.
   */
  verify(password: string, encoded: string | null): Promise<VerifyResult>
  /**
   * Spend the time a wrong-password check against a Tessera hash costs, then discard the result.
   * Call it when there is no stored hash (unknown user) so response time does not reveal which
   * usernames exist.
   */
  burn(password: string): Promise<void>
}

/**
 * Argon2 cost parameters for {@link createPasswordHasher}; unspecified ones use OWASP's values.
 * `maxConcurrency` bounds the hashes running at once (default: the number of CPUs less one, at least 1).
 */
export type PasswordHasherOptions = Partial<Argon2Options> & { maxConcurrency?: number }

const NO_MATCH: VerifyResult = Object.freeze({ ok: false, needsRehash: false })
const TESSERA_PREFIX = '$argon2id$'

/**
 * Create a {@link PasswordHasher}. Defaults: argon2id, m=19456 KiB, t=2, p=1 (OWASP).
 *
 * @throws TesseraError `ERR_CONFIG_INVALID` when the argon2 parameters are invalid or beyond the
 * limits Tessera accepts when verifying.
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const { maxConcurrency = defaultHashConcurrency(), ...argon2 } = options
  const params = resolveArgon2Options(argon2)
  const limited = createSemaphore(Math.max(1, maxConcurrency))
  let dummyHash: Promise<string> | undefined

  // Same parameters as real hashes, so burning costs what a real wrong-password check costs.
  // Computed on first use (not at startup) and shared; a failure is not cached.
  function getDummyHash(): Promise<string> {
    dummyHash ??= hashArgon2id(randomBytes(32).toString('base64'), params).catch((error: unknown) => {
      dummyHash = undefined
      throw error
    })
    return dummyHash
  }

  return {
    async hash(password) {
      if (!isAcceptablePassword(password)) {
        throw new TesseraError(
          'ERR_PASSWORD_FORMAT',
          `Password must be a non-empty string of at most ${MAX_PASSWORD_LENGTH} characters.`,
        )
      }
      return limited(() => hashArgon2id(password, params))
    },

    async verify(password, encoded) {
      // Rejected before any hashing: this is input the attacker controls, so it must not buy CPU.
      if (!isAcceptablePassword(password) || typeof encoded !== 'string') return NO_MATCH
      if (encoded.startsWith(TESSERA_PREFIX)) {
        const ok = await limited(() => verifyArgon2Phc(encoded, password))
        return { ok, needsRehash: ok && argon2NeedsRehash(encoded, params) }
      }
      // Every Django format is a legacy format: on success, move the user to argon2id.
      const ok = await limited(() => verifyDjangoPassword(password, encoded))
      return { ok, needsRehash: ok }
    },

    async burn(password) {
      // Mirrors verify(): passwords it would refuse without hashing cost nothing here either.
      if (!isAcceptablePassword(password)) return
      const dummy = await getDummyHash()
      await limited(() => verifyArgon2Phc(dummy, password))
    },
  }
}

function isAcceptablePassword(password: unknown): password is string {
  // Empty passwords never match: Django allows them, but an empty credential is never a login.
  return typeof password === 'string' && password.length > 0 && password.length <= MAX_PASSWORD_LENGTH
}

/** CPUs less one, at least one: hashing never takes every core from the request thread. */
export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism() - 1)
}
