import { randomBytes, randomInt } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'

/**
 * RFC 6238 as every authenticator app speaks it: SHA-1, 6 digits, 30-second steps, and one step of clock
 * drift either way. Pure functions; the clock is a parameter.
 */
const PERIOD = 30
const DIGITS = 6
const DRIFT = 1
export const RECOVERY_CODE_COUNT = 10

const totpOf = (secret: string, issuer = '', label = '') => new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) })

/** 160 random bits (RFC 4226's recommended length), base32 as apps take it. */
export const newTotpSecret = (): string => new Secret({ buffer: randomBytes(20).buffer }).base32

/** The time step `now` (ms) falls in. */
export const totpStep = (now: number): number => Math.floor(now / 1000 / PERIOD)

/** The `otpauth://` URL an app scans. */
export const totpUrl = (secret: string, issuer: string, account: string): string => totpOf(secret, issuer, account).toString()

/** The URL as an SVG QR code (no PNG encoder: the page inlines it). */
export const qrSvg = (url: string): Promise<string> => QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })

/** A code as typed: spaces inside (`123 456`) are allowed. Anything but six digits is no code. */
const normalizeCode = (code: string): string | null => {
  const digits = code.replace(/\s+/g, '')
  return new RegExp(`^\\d{${DIGITS}}$`).test(digits) ? digits : null
}

/** The time step whose code `code` is, within one step of `now`; null for a wrong or malformed code. */
export function matchTotp(secret: string, code: string, now: number): number | null {
  const token = normalizeCode(code)
  if (token === null) return null
  const delta = totpOf(secret).validate({ token, timestamp: now, window: DRIFT })
  return delta === null ? null : totpStep(now) + delta
}

/** The code of `secret` at `now` (the CLI and the tests compute codes as an app would). */
export const totpCode = (secret: string, now: number): string => totpOf(secret).generate({ timestamp: now })

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
/** `xxxxx-xxxxx` from an alphabet without look-alikes: 10 characters of 31, about 49 bits each. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)])
    return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`
  })
}

/** A recovery code as typed (any case, with or without the dash and spaces), or null when it cannot be one. */
export function normalizeRecoveryCode(code: string): string | null {
  const plain = code.toLowerCase().replace(/[\s-]+/g, '')
  return plain.length === 10 && [...plain].every((c) => ALPHABET.includes(c)) ? `${plain.slice(0, 5)}-${plain.slice(5)}` : null
}
