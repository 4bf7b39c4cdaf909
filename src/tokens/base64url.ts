/**
 * RFC 7515 §2 and RFC 4648 §3.5: a JWS part is unpadded base64url, and a canonical encoding has zero
 * unused bits in its last character. Decoders ignore those bits, so `…Q` and `…R` decode alike: a token
 * with a flipped bit would still verify, and one signed token would have several accepted spellings
 * (each a different cache key, log value or blacklist entry). Only the canonical spelling is accepted.
 */
const ALPHABET = /^[A-Za-z0-9_-]*$/

export function isCanonicalBase64url(part: string): boolean {
  if (!ALPHABET.test(part) || part.length % 4 === 1) return false
  return Buffer.from(part, 'base64url').toString('base64url') === part
}

/** A compact JWS: exactly three parts, each canonical unpadded base64url. */
export function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split('.')
  return parts.length === 3 && parts.every(isCanonicalBase64url)
}
