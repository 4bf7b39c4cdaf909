import { TesseraError } from '../errors.js'

/** Environment-like input: every value is a string or absent. */
export type Env = Readonly<Record<string, string | undefined>>

function invalid(name: string, expected: string, got: string): TesseraError {
  return new TesseraError('ERR_CONFIG_INVALID', `${name} must be ${expected} (got '${got}')`)
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/** Parses `900`, `900s`, `15m`, `2h`, `30d`, `1w` into seconds (fractions allowed: `1.5s`). */
export function parseDuration(name: string, raw: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(raw)
  if (!match) throw invalid(name, 'a positive duration such as 900, 15m, 30d', raw)
  const seconds = Number(match[1]) * UNITS[match[2] ?? 's']!
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw invalid(name, 'a positive duration such as 900, 15m, 30d', raw)
  return seconds
}

/** Readers for one variable each; the error message always names the variable. */
export function createReader(env: Env) {
  const read = (name: string): string | undefined => {
    const value = env[name]
    return value === undefined || value.trim() === '' ? undefined : value.trim()
  }
  return {
    string: (name: string, fallback: string): string => read(name) ?? fallback,
    optional: (name: string): string | undefined => read(name),
    bool(name: string, fallback: boolean): boolean {
      const value = read(name)
      if (value === undefined) return fallback
      if (/^(1|true|yes|on)$/i.test(value)) return true
      if (/^(0|false|no|off)$/i.test(value)) return false
      throw invalid(name, 'true or false', value)
    },
    int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
      const value = read(name)
      if (value === undefined) return fallback
      const n = Number(value)
      if (!/^\d+$/.test(value) || n < min || n > max) throw invalid(name, `an integer from ${min} to ${max}`, value)
      return n
    },
    duration(name: string, fallback: number): number {
      const value = read(name)
      return value === undefined ? fallback : parseDuration(name, value)
    },
    list(name: string): string[] {
      const value = read(name)
      return value === undefined ? [] : value.split(/[\s,]+/).filter(Boolean)
    },
    oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
      const value = read(name)
      if (value === undefined) return fallback
      const found = choices.find((c) => c.toLowerCase() === value.toLowerCase())
      if (!found) throw invalid(name, `one of ${choices.join(', ')}`, value)
      return found
    },
  }
}
