import { createHash, randomBytes } from 'node:crypto'
import { TesseraError } from '../errors.js'
import { clientKey } from './client.js'
import type { AuthContext, ClientInfo } from './context.js'
import type { PendingLogin } from './mfa-store.js'
import type { User } from './store.js'

/** The second factors a login can be completed with, in the contract's words. */
export type MfaMethod = 'totp' | 'recovery_code' | 'webauthn'

/** The answer of a password step that needs a second factor: `token` goes into the `mfa_pending` cookie. */
export interface MfaChallenge {
  token: string
  methods: MfaMethod[]
  expiresAt: number
}

/** The factors the user has; none means a password login opens a session at once. */
export async function factorsOf(ctx: AuthContext, userId: number): Promise<MfaMethod[]> {
  const methods: MfaMethod[] = []
  if ((await ctx.store.findTotp(userId))?.confirmed_at) methods.push('totp')
  if (methods.length > 0 && (await ctx.store.listRecoveryCodes(userId)).length > 0) methods.push('recovery_code')
  if ((await ctx.store.listPasskeys(userId)).length > 0) methods.push('webauthn')
  return methods
}

/** The stored id of a pending login: a hash of the cookie's value, so a read of the table logs nobody in. */
const pendingId = (token: string): string => createHash('sha256').update(token).digest('base64url')

/**
 * Stores a pending login for a user whose password was right, bound to the client that typed it: its
 * clientKey, over the CSRF secret this login hands it and its User-Agent.
 */
export async function startPendingLogin(ctx: AuthContext, user: User, client: ClientInfo, methods: MfaMethod[]): Promise<MfaChallenge> {
  const token = randomBytes(32).toString('base64url')
  const now = ctx.now()
  const expiresAt = now + ctx.mfa.pendingLifetime * 1000
  await ctx.store.createPendingLogin({ id: pendingId(token), user_id: user.id, client_key: clientKey(ctx, client), created_at: now, expires_at: expiresAt, failures: 0 })
  ctx.audit('mfa_required', { user_id: user.id, ip: client.ip, methods })
  return { token, methods, expiresAt }
}

export const NO_PENDING_LOGIN = 'The login has expired or was started elsewhere: log in with your password again.'
export const noPending = () => new TesseraError('ERR_AUTH_MFA_PENDING', NO_PENDING_LOGIN)

/** The live pending login behind `token`, started by this same client; anything else is refused alike. */
export async function findPendingLogin(ctx: AuthContext, token: string | undefined, client: ClientInfo): Promise<PendingLogin> {
  const pending = token ? await ctx.store.findPendingLogin(pendingId(token)) : null
  if (!pending || pending.expires_at <= ctx.now() || pending.client_key !== clientKey(ctx, client)) throw noPending()
  return pending
}

/** Ends a pending login; false when another request ended it first (it completes once). */
export const endPendingLogin = (ctx: AuthContext, pending: PendingLogin): Promise<boolean> => ctx.store.consumePendingLogin(pending.id)

/**
 * Counts a wrong code against the pending login; past MFA_PENDING_MAX_ATTEMPTS it is ended, so one
 * password step buys a bounded number of guesses (the per-account back-off bounds them across logins).
 */
export async function failPendingLogin(ctx: AuthContext, pending: PendingLogin): Promise<void> {
  const failures = await ctx.store.failPendingLogin(pending.id)
  if (failures >= ctx.mfa.pendingMaxAttempts) await ctx.store.consumePendingLogin(pending.id)
}
