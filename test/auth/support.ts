/**
 * The use cases of src/auth/ as the HTTP layer and the CLI get them (`createAuthService`), on the
 * in-memory Store, with a clock the test moves by hand: no Fastify, no database, no waiting.
 */
import assert from 'node:assert/strict'
import type { AuditEvent, AuthService, ClientInfo } from '../../src/auth/index.js'
import { createAuthService } from '../../src/auth/index.js'
import type { RateLimitSettings, TokenSettings } from '../../src/config/index.js'
import { TesseraError } from '../../src/errors.js'
import { createPasswordHasher } from '../../src/passwords/index.js'
import { MemoryStore } from '../../src/store/index.js'
import { createHmacKey, createKeyRing, createTokenService } from '../../src/tokens/index.js'

/** 2023-11-14T22:13:20Z, a whole second, so token `iat`/`exp` are exact multiples of the clock. */
export const T0 = 1_700_000_000_000
export const PASSWORD = 'correct horse battery'
export const CLIENT: ClientInfo = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (test)', csrfSecret: 'a'.repeat(32) }

export const TOKENS: TokenSettings = {
  algorithm: 'HS256',
  secretKey: 'use-case-test-secret-that-is-long-enough-for-hs256-0123456789',
  secretKeyFallbacks: [],
  accessLifetime: 300,
  refreshLifetime: 86_400,
  rotate: true,
  reuseGrace: 10,
  maxSessionsPerUser: 100,
  issuer: undefined,
  audience: undefined,
  leeway: 0,
}

/** The configured defaults, on: the tests that are not about throttling stay under its free attempts. */
export const RATE_LIMIT: RateLimitSettings = { enabled: true, pairFreeAttempts: 5, pairMaxDelay: 3600, userFreeAttempts: 20, userMaxDelay: 60, ipPerMinute: 60, ipv4SubnetPerMinute: 240, ipv6SubnetPerMinute: 120, globalFailuresPerMinute: 1000, globalDelay: 1000 }

/** A clock that only moves when told to. */
export class Clock {
  constructor(public ms = T0) {}
  readonly now = (): number => this.ms
  advance(seconds: number): void {
    this.ms += seconds * 1000
  }
}

export interface UseCases {
  auth: AuthService
  store: MemoryStore
  clock: Clock
  /** Every audit event, in order. */
  audit: { event: AuditEvent; fields: Record<string, unknown> }[]
  events(): AuditEvent[]
  /** Another instance on the same store and clock: its own revocation set, user cache and counters. */
  peer(): AuthService
}

export interface UseCaseOptions {
  tokens?: Partial<TokenSettings>
  rateLimit?: Partial<RateLimitSettings>
  registrationEnabled?: boolean
  usernameAllowMixedScripts?: boolean
  simplejwtCompat?: boolean
}

export function createUseCases(options: UseCaseOptions = {}): UseCases {
  const clock = new Clock()
  const store = new MemoryStore({ now: clock.now })
  const settings = { ...TOKENS, ...options.tokens }
  const key = createHmacKey(settings.secretKey)
  const tokens = createTokenService(settings, createKeyRing([key], key), { now: clock.now })
  // The cheapest argon2id the hasher accepts: the cost is not what these tests are about.
  const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1 })
  const audit: UseCases['audit'] = []
  const config = { tokens: settings, simplejwtCompat: options.simplejwtCompat ?? false, usernameAllowMixedScripts: options.usernameAllowMixedScripts ?? false, registrationEnabled: options.registrationEnabled ?? true, userCacheTtl: 5, rateLimit: { ...RATE_LIMIT, ...options.rateLimit } }
  const auth = createAuthService(config, { store, tokens, hasher, now: clock.now, audit: (event, fields) => audit.push({ event, fields }) })
  const peer = () => createAuthService(config, { store, tokens, hasher, now: clock.now })
  return { auth, store, clock, audit, events: () => audit.map((a) => a.event), peer }
}

/** Creates an active user with PASSWORD (Django's validators skipped, as `createuser --no-validate`). */
export async function addUser(u: UseCases, username = 'alice', extra: { first_name?: string; is_staff?: boolean } = {}) {
  return u.auth.createUser({ username, password: PASSWORD, first_name: 'Alice', last_name: 'Liddell', ...extra }, false)
}

/** Asserts that `promise` rejects with a TesseraError of `code` (and returns it for further checks). */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<TesseraError> {
  let caught: unknown
  await assert.rejects(promise, (error: unknown) => {
    caught = error
    return error instanceof TesseraError && error.code === code
  })
  return caught as TesseraError
}

/** The same for a synchronous call (the access-token check is synchronous: no database read). */
export function throwsWith(call: () => unknown, code: string): TesseraError {
  let caught: unknown
  assert.throws(call, (error: unknown) => {
    caught = error
    return error instanceof TesseraError && error.code === code
  })
  return caught as TesseraError
}
