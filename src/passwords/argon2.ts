/**
 * Tessera's own password hash: argon2id with OWASP's recommended minimum parameters.
 *
 * https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2'
import type { Algorithm, Version } from '@node-rs/argon2'
import { TesseraError } from '../errors.js'
import { argon2CostIsAcceptable, parseArgon2Phc } from './phc.js'

/** Argon2 cost parameters. */
export interface Argon2Options {
  /** Memory in KiB. */
  memoryCost: number
  /** Number of passes over memory. */
  timeCost: number
  /** Number of lanes. */
  parallelism: number
}

/** OWASP's argon2id configuration: m=19456 KiB (19 MiB), t=2, p=1. */
export const DEFAULT_ARGON2_OPTIONS: Readonly<Argon2Options> = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
})

// The package declares these as `const enum`s, whose runtime objects are empty: under tsx/esbuild
// (no cross-file const-enum inlining) `Algorithm.Argon2id` would be `undefined` and silently fall
// back to the library default. Spell the numeric values out so both build paths agree.
const ARGON2ID = 2 as Algorithm
const VERSION_0X13 = 1 as Version

/**
 * Fill in defaults and validate. Parameters are checked against the same DoS limits used when
 * verifying, otherwise Tessera could write hashes that it would later refuse to verify.
 *
 * @throws TesseraError `ERR_CONFIG_INVALID` when a parameter is not a positive integer or out of range.
 */
export function resolveArgon2Options(options: Partial<Argon2Options> = {}): Argon2Options {
  const resolved: Argon2Options = {
    memoryCost: options.memoryCost ?? DEFAULT_ARGON2_OPTIONS.memoryCost,
    timeCost: options.timeCost ?? DEFAULT_ARGON2_OPTIONS.timeCost,
    parallelism: options.parallelism ?? DEFAULT_ARGON2_OPTIONS.parallelism,
  }
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TesseraError('ERR_CONFIG_INVALID', `argon2 ${name} must be a positive integer, got ${String(value)}`)
    }
  }
  if (!argon2CostIsAcceptable(resolved)) {
    throw new TesseraError(
      'ERR_CONFIG_INVALID',
      `argon2 parameters m=${resolved.memoryCost},t=${resolved.timeCost},p=${resolved.parallelism} are outside the accepted range`,
    )
  }
  return resolved
}

/**
 * Hash a password with argon2id and a fresh random 16-byte salt.
 *
 * @returns A PHC string such as `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
 */
export async function hashArgon2id(password: string, options: Argon2Options = DEFAULT_ARGON2_OPTIONS): Promise<string> {
  return argon2Hash(password, {
    algorithm: ARGON2ID,
    version: VERSION_0X13,
    memoryCost: options.memoryCost,
    timeCost: options.timeCost,
    parallelism: options.parallelism,
  })
}

/**
 * Verify a password against an Argon2 PHC string (any variant the string names). Malformed
 * strings and strings whose cost exceeds the DoS limits yield `false` without hashing; this never
 * throws.
 */
export async function verifyArgon2Phc(encoded: string, password: string): Promise<boolean> {
  const phc = parseArgon2Phc(encoded)
  if (phc === null || !argon2CostIsAcceptable(phc)) return false
  try {
    return await argon2Verify(encoded, password)
  } catch {
    // The library throws on encodings our pre-check let through (e.g. bad base64 lengths).
    return false
  }
}

/**
 * True when a Tessera argon2id hash was made with different parameters (or an older Argon2
 * version) than `options`, so it should be replaced after the next successful login.
 */
export function argon2NeedsRehash(encoded: string, options: Argon2Options): boolean {
  const phc = parseArgon2Phc(encoded)
  if (phc === null) return true
  return (
    phc.variant !== 'argon2id' ||
    phc.version !== 19 ||
    phc.memoryCost !== options.memoryCost ||
    phc.timeCost !== options.timeCost ||
    phc.parallelism !== options.parallelism
  )
}
