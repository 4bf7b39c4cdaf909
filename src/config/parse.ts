import { TesseraError } from '../errors.js'

/** Environment-like input: every value is a string or absent. */
export type Env = Readonly<Record<string, string | undefined>>

export function invalid(name: string, expected: string, got: unknown): TesseraError {
  return new TesseraError('ERR_CONFIG_INVALID', `${name} must be ${expected} (got '${String(got)}')`)
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/

/**
 * Parses `900`, `900s`, `15m`, `2h`, `30d`, `1w` into seconds (fractions allowed: `1.5s`); a bare number
 * is seconds, as the environment variables have always allowed. `zero: true` accepts `0` (a leeway).
 */
export function parseDuration(name: string, raw: string, { zero = false } = {}): number {
  const match = typeof raw === 'string' ? DURATION.exec(raw) : null
  const seconds = match ? Number(match[1]) * UNITS[match[2] ?? 's']! : NaN
  if (!Number.isFinite(seconds) || seconds < 0 || (seconds === 0 && !zero)) throw invalid(name, `a ${zero ? '' : 'positive '}duration such as 900ms, 15m, 30d`, raw)
  return seconds
}
