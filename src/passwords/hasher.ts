/**
 * The password hasher the rest of Tessera uses: writes argon2id, reads argon2id plus Django's
 * formats, and tells the caller when a stored hash should be upgraded.
 */
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { HashingBusyError, TesseraError } from '../errors.js'
import { argon2NeedsRehash, hashArgon2id, resolveArgon2Options, verifyArgon2Phc } from './argon2.js'
import type { Argon2Options } from './argon2.js'
import { isDjangoHashProblem, parseDjangoHash, verifyDjangoHash } from './django.js'
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
   * Unknown formats, unusable (`!…`), over-cost and missing hashes, and empty or over-long passwords
   * never match; the hashes cost the time of an unknown user's check (`burn`), so that timing does not
   * single those accounts out. Django hashes are checked in their own bounded queue.
   *
   * @throws HashingBusyError when that queue is full (shed: 503 with Retry-After); nothing else.
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
 * `maxConcurrency` bounds the argon2 hashes running at once (default: the number of CPUs less one, at
 * least 1). Django-format checks (pbkdf2 up to ~1.4 s, bcrypt) run apart, `legacyConcurrency` at once
 * (default 1) with at most `legacyQueue` waiting (default 4); beyond that they are refused, so that a
 * crowd of imported accounts cannot delay an argon2 login.
 */
export type PasswordHasherOptions = Partial<Argon2Options> & { maxConcurrency?: number; legacyConcurrency?: number; legacyQueue?: number }

/** Seconds a shed legacy check is told to wait: about what the queue ahead of it takes. */
const LEGACY_RETRY_AFTER = 2

const NO_MATCH: VerifyResult = Object.freeze({ ok: false, needsRehash: false })
const TESSERA_PREFIX = '$argon2id$'

/**
 * Create a {@link PasswordHasher}. Defaults: argon2id, m=19456 KiB, t=2, p=1 (OWASP).
 *
 * @throws TesseraError `ERR_CONFIG_INVALID` when the argon2 parameters are invalid or beyond the
 * limits Tessera accepts when verifying.
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const { maxConcurrency = defaultHashConcurrency(), legacyConcurrency = 1, legacyQueue = 4, ...argon2 } = options
  const params = resolveArgon2Options(argon2)
  const limited = createSemaphore(Math.max(1, maxConcurrency))
  const legacy = createSemaphore(Math.max(1, legacyConcurrency), Math.max(0, legacyQueue), () => new HashingBusyError(LEGACY_RETRY_AFTER))
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

  async function burn(password: string): Promise<void> {
    const dummy = await getDummyHash()
    await limited(() => verifyArgon2Phc(dummy, password))
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
      if (!isAcceptablePassword(password)) return NO_MATCH
      if (typeof encoded === 'string' && encoded.startsWith(TESSERA_PREFIX)) {
        const ok = await limited(() => verifyArgon2Phc(encoded, password))
        return { ok, needsRehash: ok && argon2NeedsRehash(encoded, params) }
      }
      const django = typeof encoded === 'string' && encoded !== '' ? parseDjangoHash(encoded) : null
      if (django === null || isDjangoHashProblem(django)) {
        await burn(password)
        return NO_MATCH
      }
      // Every Django format is a legacy format: on success, move the user to argon2id.
      const ok = await legacy(() => verifyDjangoHash(password, django))
      return { ok, needsRehash: ok }
    },

    async burn(password) {
      // Mirrors verify(): passwords it would refuse without hashing cost nothing here either.
      if (isAcceptablePassword(password)) await burn(password)
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
