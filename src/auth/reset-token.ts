import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Django's PasswordResetTokenGenerator (django/contrib/auth/tokens.py), so that a reset link mailed by a
 * Django site before the move still works here with the same SECRET_KEY, and the other way round.
 * Timestamps are seconds since 2001-01-01 in Django's server time: Tessera reads that as UTC (Django's
 * `TIME_ZONE = 'UTC'`, the default of `startproject`).
 */
const KEY_SALT = 'django.contrib.auth.tokens.PasswordResetTokenGenerator'
const EPOCH_2001 = Date.UTC(2001, 0, 1)

/** The parts of a user that a token is made over: any change to them (a new password above all) voids it. */
export interface ResetTokenUser {
  id: number
  password: string | null
  last_login: number | null
  email: string
}

const toBase36 = (n: number): string => n.toString(36)
const numSeconds = (ms: number): number => Math.floor((ms - EPOCH_2001) / 1000)

/** Python's `str(datetime)` of `last_login.replace(microsecond=0, tzinfo=None)`: `2024-01-02 03:04:05` (UTC). */
function loginTimestamp(ms: number | null): string {
  if (ms === null) return ''
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ')
}

/** Django's salted_hmac: the key is hash(salt + secret), then HMAC with the same hash. */
function saltedHmacHex(algorithm: 'sha256' | 'sha1', value: string, secret: string): string {
  const key = createHash(algorithm).update(KEY_SALT + secret).digest()
  return createHmac(algorithm, key).update(value).digest('hex')
}

function tokenAt(user: ResetTokenUser, timestamp: number, secret: string, algorithm: 'sha256' | 'sha1'): string {
  const value = `${user.id}${user.password ?? ''}${loginTimestamp(user.last_login)}${timestamp}${user.email ?? ''}`
  // Every other hex digit: Django shortens the URL so.
  const hash = [...saltedHmacHex(algorithm, value, secret)].filter((_c, i) => i % 2 === 0).join('')
  return `${toBase36(timestamp)}-${hash}`
}

const same = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/** A token as Django ≥ 3.1 makes it (SHA-256). */
export function makeResetToken(user: ResetTokenUser, nowMs: number, secret: string): string {
  return tokenAt(user, numSeconds(nowMs), secret, 'sha256')
}

/**
 * Django 3.2's check_token: the token must be one that `secrets` (SECRET_KEY, then its fallbacks) make
 * for this user's current state, with SHA-256 or (tokens of Django before 3.1) SHA-1, no older than
 * `timeoutSeconds`. A timestamp of fewer than four base-36 digits is in days (Django before 3.1) and is
 * aged as Django 3.x ages it: from that day at the current time of day.
 */
export function checkResetToken(user: ResetTokenUser, token: string, nowMs: number, secrets: readonly string[], timeoutSeconds: number): boolean {
  if (!token || user.password === null) return false
  const parts = token.split('-')
  if (parts.length !== 2 || !/^[0-9a-z]{1,13}$/i.test(parts[0]!)) return false
  let ts = Number.parseInt(parts[0]!, 36)
  if (!Number.isSafeInteger(ts)) return false
  const legacy = parts[0]!.length < 4
  let valid = false
  for (const secret of secrets) {
    for (const algorithm of ['sha256', 'sha1'] as const) if (same(tokenAt(user, ts, secret, algorithm), token)) valid = true
  }
  if (!valid) return false
  if (legacy) {
    const sinceMidnight = Math.floor((nowMs % 86_400_000) / 1000)
    ts = ts * 86_400 + sinceMidnight
  }
  return numSeconds(nowMs) - ts <= timeoutSeconds
}

/** Django's `urlsafe_base64_encode(force_bytes(pk))`. */
export const encodeUid = (id: number): string => Buffer.from(String(id)).toString('base64url')

/** The user id of a `uid`, or null when it is not one (`{"uid": ["Invalid value"]}`). */
export function decodeUid(uid: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,32}=*$/.test(uid)) return null
  const text = Buffer.from(uid.replace(/=+$/, ''), 'base64url').toString('utf8')
  if (!/^\d{1,10}$/.test(text)) return null
  const id = Number(text)
  return id > 0 ? id : null
}
