/**
 * Django's CSRF secret and its BREACH-resistant masking (django/middleware/csrf.py, 4.1+).
 *
 * The cookie holds a 32-character secret. Every page or endpoint response gets a freshly masked 64-character
 * token of the same secret, so the bytes on the wire change each time while the secret stays fixed; that is
 * what defeats compression side channels such as BREACH.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'

/** Length of the unmasked secret kept in the `csrftoken` cookie (Django's `CSRF_SECRET_LENGTH`). */
export const CSRF_SECRET_LENGTH = 32

/** Length of a masked token: a 32-character mask followed by the 32-character cipher (`CSRF_TOKEN_LENGTH`). */
export const CSRF_TOKEN_LENGTH = 64

/**
 * The token alphabet, in Python's `string.ascii_letters + string.digits` order. The order matters: masking adds
 * indexes in this string, so a different order would make our tokens unreadable by Django and vice versa.
 */
export const CSRF_ALLOWED_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

const ALPHABET_SIZE = CSRF_ALLOWED_CHARS.length // 62

// Django's `invalid_token_chars_re`.
const INVALID_CHARS_RE = /[^a-zA-Z0-9]/

// Index of each ASCII character in the alphabet, -1 when it is not part of it: O(1) instead of Python's str.index.
const CHAR_INDEX = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET_SIZE; i++) CHAR_INDEX[CSRF_ALLOWED_CHARS.charCodeAt(i)] = i

/** A source of random strings over {@link CSRF_ALLOWED_CHARS}; injectable so tests can fix the mask. */
export type RandomString = (length: number) => string

/** Result of {@link checkTokenFormat}: `'ok'` or which of Django's two format rules failed. */
export type TokenFormat = 'ok' | 'length' | 'characters'

// Bytes at or above 248 (= 4 * 62) are rejected so that `byte % 62` stays uniform over the alphabet.
const REJECTION_LIMIT = 256 - (256 % ALPHABET_SIZE)

/**
 * Returns `length` characters drawn uniformly from {@link CSRF_ALLOWED_CHARS} using the CSPRNG, the equivalent
 * of Django's `get_random_string` (which uses the `secrets` module).
 */
export function randomString(length: number): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`randomString length must be a non-negative integer (got ${length})`)
  }
  let out = ''
  while (out.length < length) {
    const byte = nextRandomByte()
    if (byte < REJECTION_LIMIT) out += CSRF_ALLOWED_CHARS[byte % ALPHABET_SIZE]
  }
  return out
}

// One CSPRNG call per 4 KiB instead of one per token: every CSRF response masks a fresh token, and the
// system call was a tenth of that route's time. Each byte is used once.
let pool = Buffer.alloc(0)
let offset = 0
function nextRandomByte(): number {
  if (offset >= pool.length) {
    pool = randomBytes(4096)
    offset = 0
  }
  return pool[offset++]!
}

/** True when `value` has exactly `length` characters, all from the alphabet. */
function isAlphabetString(value: string, length: number): boolean {
  return value.length === length && !INVALID_CHARS_RE.test(value)
}

function charIndex(value: string, i: number): number {
  // Callers validated the string, so every code unit is ASCII and in the alphabet.
  return CHAR_INDEX[value.charCodeAt(i)] ?? -1
}

// An injected generator is code we do not control: check its output instead of producing a weak token.
function drawRandom(random: RandomString, length: number): string {
  const value = random(length)
  if (!isAlphabetString(value, length)) {
    throw new RangeError(`RandomString must return ${length} characters of [a-zA-Z0-9]`)
  }
  return value
}

/** Creates a new 32-character secret, as Django's `_get_new_csrf_string()`. */
export function generateSecret(random: RandomString = randomString): string {
  return drawRandom(random, CSRF_SECRET_LENGTH)
}

/**
 * Masks a secret with a fresh random mask (Django's `_mask_cipher_secret`): returns `mask + cipher`, where
 * `cipher[i] = chars[(idx(secret[i]) + idx(mask[i])) % 62]`. Each call returns a different token.
 *
 * @throws RangeError if `secret` is not 32 characters of the alphabet (a programming error, never client input).
 */
export function maskSecret(secret: string, random: RandomString = randomString): string {
  if (!isAlphabetString(secret, CSRF_SECRET_LENGTH)) {
    throw new RangeError('maskSecret expects a 32-character secret of [a-zA-Z0-9]')
  }
  const mask = drawRandom(random, CSRF_SECRET_LENGTH)
  let cipher = ''
  for (let i = 0; i < CSRF_SECRET_LENGTH; i++) {
    cipher += CSRF_ALLOWED_CHARS[(charIndex(secret, i) + charIndex(mask, i)) % ALPHABET_SIZE]
  }
  return mask + cipher
}

/**
 * Recovers the 32-character secret from a 64-character masked token (Django's `_unmask_cipher_token`).
 *
 * @throws RangeError if `token` is not 64 characters of the alphabet; check it with {@link checkTokenFormat} first.
 */
export function unmaskToken(token: string): string {
  if (!isAlphabetString(token, CSRF_TOKEN_LENGTH)) {
    throw new RangeError('unmaskToken expects a 64-character token of [a-zA-Z0-9]')
  }
  let secret = ''
  for (let i = 0; i < CSRF_SECRET_LENGTH; i++) {
    const diff = charIndex(token, CSRF_SECRET_LENGTH + i) - charIndex(token, i)
    // Python's chars[x - y] wraps negative indexes; JavaScript needs the explicit + 62.
    secret += CSRF_ALLOWED_CHARS[(diff + ALPHABET_SIZE) % ALPHABET_SIZE]
  }
  return secret
}

/**
 * Django's length as Python counts it (code points, not UTF-16 units), so that a 32-emoji token is reported as
 * "invalid characters" like Django does rather than "incorrect length". Only short strings can be 32 or 64 code
 * points long, so long strings are not scanned.
 */
function pythonLength(value: string): number {
  if (value.length > 2 * CSRF_TOKEN_LENGTH) return value.length
  let n = 0
  for (const _ of value) n++
  return n
}

/**
 * Django's `_check_token_format`: the length must be 32 (a bare secret) or 64 (a masked token), checked first;
 * then every character must be in `[a-zA-Z0-9]`.
 */
export function checkTokenFormat(token: string): TokenFormat {
  const length = pythonLength(token)
  if (length !== CSRF_SECRET_LENGTH && length !== CSRF_TOKEN_LENGTH) return 'length'
  if (INVALID_CHARS_RE.test(token)) return 'characters'
  return 'ok'
}

/**
 * Turns a well-formed cookie value into the bare secret. Django before 4.1 stored the masked 64-character token
 * in the cookie; 4.1+ unmasks such a legacy cookie (and rewrites it on the next response), so we accept both.
 *
 * @throws RangeError if the value does not pass {@link checkTokenFormat}; callers check the format first.
 */
export function normalizeSecret(cookieValue: string): string {
  if (checkTokenFormat(cookieValue) !== 'ok') {
    throw new RangeError('normalizeSecret expects a well-formed CSRF cookie; call checkTokenFormat first')
  }
  return cookieValue.length === CSRF_TOKEN_LENGTH ? unmaskToken(cookieValue) : cookieValue
}

/**
 * Django's `_does_token_match`: unmasks a 64-character request token, then compares it with the secret in
 * constant time. A 32-character request token is the bare secret (JS copied it from the cookie).
 *
 * Where Django asserts on malformed input, this returns `false`: client input must never produce a 500.
 */
export function doesTokenMatch(requestToken: string, secret: string): boolean {
  if (checkTokenFormat(requestToken) !== 'ok' || !isAlphabetString(secret, CSRF_SECRET_LENGTH)) return false
  const candidate = requestToken.length === CSRF_TOKEN_LENGTH ? unmaskToken(requestToken) : requestToken
  // Both are 32 ASCII characters here, so the buffers have equal length as timingSafeEqual requires.
  return timingSafeEqual(Buffer.from(candidate, 'ascii'), Buffer.from(secret, 'ascii'))
}
