/**
 * Hard ceilings on the work a single password check may trigger.
 *
 * Every cost parameter of a stored hash (iterations, memory, rounds) is read from the hash itself,
 * so whoever can write a row can otherwise make one login attempt allocate gigabytes or spin for
 * minutes. Hashes above these limits are treated as "no match" before any hashing starts; the
 * defaults of every supported Django version (and Tessera's own) sit comfortably below them.
 */

/**
 * Longest password (in UTF-16 code units, i.e. `string.length`) we are willing to hash. Longer input
 * is refused without hashing: no human types this, and it keeps request bodies from buying CPU.
 */
export const MAX_PASSWORD_LENGTH = 4096

/**
 * Longest encoded hash we parse. Real ones are under 150 characters; the cap keeps regexes and
 * base64 decoding cheap on garbage rows.
 */
export const MAX_ENCODED_LENGTH = 512

/**
 * PBKDF2 iteration ceiling, near what Django itself writes (1,000,000 in 5.2, 1,200,000 in 6.0): about
 * 1.4 s of one thread here. 10,000,000 was allowed once, and four such logins stalled every other one.
 */
export const MAX_PBKDF2_ITERATIONS = 2_000_000

/** Argon2 memory ceiling in KiB (1 GiB) for Tessera's own configured hashes. OWASP's is 19 MiB. */
export const MAX_ARGON2_MEMORY_KIB = 1024 * 1024

/** Argon2 memory ceiling for imported (Django) hashes: 128 MiB, above Django's default of 100 MiB. */
export const MAX_DJANGO_ARGON2_MEMORY_KIB = 128 * 1024

/** Memory × passes for imported hashes: four passes at the ceiling (Django's default is 2 × 100 MiB). */
export const MAX_DJANGO_ARGON2_WORK = 4 * MAX_DJANGO_ARGON2_MEMORY_KIB

/**
 * Argon2 work ceiling as memory × passes (KiB·passes): four passes over 1 GiB. Work grows with the
 * product, so capping time cost alone would still let `m=8,t=4294967295` burn the CPU.
 */
export const MAX_ARGON2_WORK = 4 * MAX_ARGON2_MEMORY_KIB

/** Argon2 lanes ceiling. Django's default is 8; more lanes only add threads, never security. */
export const MAX_ARGON2_PARALLELISM = 32

/**
 * bcrypt cost ceiling (log2 rounds): Django's default, 12 (~0.35 s); every step doubles the time.
 */
export const MAX_BCRYPT_COST = 12
