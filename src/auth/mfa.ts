import { TesseraError, ValidationError } from '../errors.js'
import type { AuthContext } from './context.js'
import { openText, sealText, type SealContext } from './key-encryption.js'
import type { TotpFactor } from './mfa-store.js'
import { reauthenticate, type Actor } from './profile.js'
import { revokeUserSessions } from './sessions.js'
import type { NewMail, User } from './store.js'
import { matchTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, qrSvg, totpUrl } from './totp.js'

export const INVALID_CODE = 'Invalid code.'
const invalidCode = (field: string) => new ValidationError({ [field]: [INVALID_CODE] })
const alreadyEnabled = () => new ValidationError({ non_field_errors: ['TOTP is already enabled.'] })
const userNotFound = () => new TesseraError('ERR_AUTH_USER_NOT_FOUND', 'User not found')

/** A TOTP secret is sealed for its user: moved to another user's row it no longer opens. */
const totpSeal = (userId: number): SealContext => ({ info: 'tessera totp-secret encryption v1', aad: `totp:${userId}` })

/** The secret, or null (never a 500) when no configured SECRET_KEY opens it: the recovery codes still work. */
function openSecret(ctx: AuthContext, factor: TotpFactor): string | null {
  return openText(factor.secret, totpSeal(factor.user_id), [ctx.settings.secretKey, ...ctx.settings.secretKeyFallbacks])?.text ?? null
}

/** The notice to the account's address, when it has one and mail can go out; the audit event is written either way. */
export function noticeMails(ctx: AuthContext, user: User, kind: string, vars: Record<string, string>): NewMail[] {
  return user.email && ctx.mail?.enabled ? [ctx.mail.compose(kind, user.email, user.id, { username: user.username, ...vars })] : []
}

/**
 * Every second-factor code is checked under the per-account back-off of RATE_LIMIT_PAIR_FREE_ATTEMPTS and
 * RATE_LIMIT_PAIR_MAX_DELAY, under its own key: a right password does not reset it, so logging in again
 * buys no new guesses. A right code clears it.
 */
export async function throttledCheck(ctx: AuthContext, user: User, check: () => Promise<boolean>): Promise<boolean> {
  await ctx.limiter.checkLogin('mfa', user.username)
  const ok = await check()
  if (ok) await ctx.limiter.recordSuccess('mfa', user.username)
  else {
    await ctx.limiter.recordFailure('mfa', user.username)
    ctx.audit('mfa_failed', { user_id: user.id })
  }
  return ok
}

/** A TOTP code of the user's confirmed factor, accepted once: its time step is recorded (compare-and-set). */
export async function useTotpCode(ctx: AuthContext, user: User, code: string): Promise<boolean> {
  const factor = await ctx.store.findTotp(user.id)
  const secret = factor?.confirmed_at ? openSecret(ctx, factor) : null
  const step = secret === null ? null : matchTotp(secret, code, ctx.now())
  return step !== null && (await ctx.store.useTotpStep(user.id, step))
}

/** A recovery code, used once; its notice commits with it. Returns how many remain, or null for a wrong code. */
export async function useRecoveryCode(ctx: AuthContext, user: User, code: string): Promise<number | null> {
  const typed = normalizeRecoveryCode(code)
  if (typed === null) return null
  const codes = await ctx.store.listRecoveryCodes(user.id)
  for (const stored of codes) {
    if (!(await ctx.hasher.verify(typed, stored.code_hash)).ok) continue
    const remaining = codes.length - 1
    const used = await ctx.store.useRecoveryCode(stored.id, noticeMails(ctx, user, 'mfa_recovery_code_used', { remaining: String(remaining) }), ctx.now())
    if (!used) return null
    ctx.mail?.wake()
    ctx.audit('mfa_recovery_code_used', { user_id: user.id, remaining })
    return remaining
  }
  return null
}

/**
 * Starts TOTP enrolment: needs the password (a stolen session cannot add a factor that locks the owner
 * out). The secret is stored sealed and unconfirmed until a code from it activates it.
 */
export async function setupTotp(ctx: AuthContext, actor: Actor, password: string | undefined): Promise<{ secret: string; otpauth_url: string; qr_svg: string }> {
  if (password === undefined) throw new ValidationError({ password: ['This field is required.'] })
  const user = await reauthenticate(ctx, actor, password)
  if ((await ctx.store.findTotp(user.id))?.confirmed_at) throw alreadyEnabled()
  const secret = newTotpSecret()
  if (!(await ctx.store.startTotp(user.id, sealText(secret, totpSeal(user.id), ctx.settings.secretKey), ctx.now()))) throw alreadyEnabled()
  const url = totpUrl(secret, ctx.mfa.issuer, user.username)
  return { secret, otpauth_url: url, qr_svg: await qrSvg(url) }
}

/**
 * Activates the enrolled secret with a code from it; answers the recovery codes, shown this once and
 * stored as argon2 hashes. Every other session of the user ends (one opened before the factor must not
 * outlive it) and a notice is mailed.
 */
export async function activateTotp(ctx: AuthContext, actor: Actor, code: string): Promise<string[]> {
  const user = await ctx.store.findUserById(actor.userId)
  if (!user) throw userNotFound()
  const factor = await ctx.store.findTotp(user.id)
  if (!factor) throw new ValidationError({ non_field_errors: ['Set up TOTP first.'] })
  if (factor.confirmed_at !== null) throw alreadyEnabled()
  const secret = openSecret(ctx, factor)
  const step = secret === null ? null : matchTotp(secret, code, ctx.now())
  // Told only after the throttle has had its say.
  if (!(await throttledCheck(ctx, user, async () => step !== null)) || step === null) throw invalidCode('code')
  const codes = newRecoveryCodes()
  const hashes = await Promise.all(codes.map((c) => ctx.hasher.hash(c)))
  const mails = noticeMails(ctx, user, 'mfa_factor_added', { factor: 'TOTP' })
  if (!(await ctx.store.activateTotp(user.id, factor.secret, step, hashes, mails, ctx.now()))) throw alreadyEnabled()
  ctx.mail?.wake()
  await revokeUserSessions(ctx, user.id, 'mfa_enabled', actor.sessionId)
  ctx.audit('mfa_enabled', { user_id: user.id, factor: 'totp' })
  return codes
}

/** Removes TOTP (and the recovery codes) with a current code or the password; other sessions end. */
export async function disableTotp(ctx: AuthContext, actor: Actor, proof: { code?: string; password?: string }): Promise<void> {
  const user = await ctx.store.findUserById(actor.userId)
  if (!user) throw userNotFound()
  if (!(await ctx.store.findTotp(user.id))?.confirmed_at) throw new TesseraError('ERR_NOT_FOUND', 'Not found.')
  if (proof.code !== undefined) {
    if (!(await throttledCheck(ctx, user, () => useTotpCode(ctx, user, proof.code!)))) throw invalidCode('code')
  } else if (proof.password !== undefined) {
    await reauthenticate(ctx, actor, proof.password)
  } else {
    throw new ValidationError({ non_field_errors: ['Send the code or the password.'] })
  }
  await removeFactors(ctx, user, 'mfa_disabled', actor.sessionId)
}

/**
 * Removes TOTP (`mfa_disabled`) or every factor, passkeys too (`mfa_reset`, the operator's), ends the
 * user's sessions (but `keep`) and mails the notice.
 */
export async function removeFactors(ctx: AuthContext, user: User, reason: 'mfa_disabled' | 'mfa_reset', keep?: string): Promise<boolean> {
  const now = ctx.now()
  const totp = await ctx.store.removeTotp(user.id, noticeMails(ctx, user, 'mfa_factor_removed', { factor: reason === 'mfa_reset' ? 'every second factor' : 'TOTP' }), now)
  const passkeys = reason === 'mfa_reset' && (await ctx.store.removePasskeys(user.id, null, totp ? [] : noticeMails(ctx, user, 'mfa_factor_removed', { factor: 'every second factor' }), now))
  ctx.mail?.wake()
  await revokeUserSessions(ctx, user.id, reason, keep)
  ctx.audit(reason, { user_id: user.id, totp, passkeys })
  return totp || passkeys
}
