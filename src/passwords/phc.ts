/**
 * Strict parser for Argon2 PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
 *
 * We read the cost parameters ourselves, before handing the string to the native library, so that
 * a hostile row is refused by cheap string checks instead of by allocating its declared memory.
 */
import {
  MAX_ARGON2_MEMORY_KIB,
  MAX_ARGON2_PARALLELISM,
  MAX_ARGON2_WORK,
  MAX_ENCODED_LENGTH,
} from './limits.js'

/** The Argon2 variants a PHC string can name. */
export type Argon2Variant = 'argon2id' | 'argon2i' | 'argon2d'

/** The parameters of an Argon2 PHC string. */
export interface Argon2Phc {
  variant: Argon2Variant
  /** 0x13 (19) for current hashes, 0x10 (16) for hashes written before the `v=` field existed. */
  version: 16 | 19
  memoryCost: number
  timeCost: number
  parallelism: number
}

// Parameters in the canonical m,t,p order only; salt and hash are unpadded standard base64, as
// every mainstream argon2 library (argon2-cffi, libargon2, argon2 crate) writes them.
// `v=` is optional: argon2-cffi before 16.0 omitted it, and Django's own tests keep such hashes.
const PHC_RE =
  /^\$(argon2id|argon2i|argon2d)\$(?:v=(16|19)\$)?m=([1-9][0-9]{0,9}),t=([1-9][0-9]{0,9}),p=([1-9][0-9]{0,2})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{6,}$/

/**
 * Parse an Argon2 PHC string. Returns `null` for anything malformed, so callers can treat
 * "unparseable" and "wrong password" alike.
 */
export function parseArgon2Phc(encoded: string): Argon2Phc | null {
  if (encoded.length > MAX_ENCODED_LENGTH) return null
  const m = PHC_RE.exec(encoded)
  if (m === null) return null
  return {
    variant: m[1] as Argon2Variant,
    version: m[2] === '19' ? 19 : 16,
    memoryCost: Number(m[3]),
    timeCost: Number(m[4]),
    parallelism: Number(m[5]),
  }
}

/** True when verifying a hash with these parameters stays within Tessera's DoS limits. */
export function argon2CostIsAcceptable(phc: Pick<Argon2Phc, 'memoryCost' | 'timeCost' | 'parallelism'>): boolean {
  return (
    phc.memoryCost <= MAX_ARGON2_MEMORY_KIB &&
    phc.parallelism <= MAX_ARGON2_PARALLELISM &&
    // Argon2 itself requires at least 8 KiB per lane; the library would throw on less.
    phc.memoryCost >= 8 * phc.parallelism &&
    phc.memoryCost * phc.timeCost <= MAX_ARGON2_WORK
  )
}
