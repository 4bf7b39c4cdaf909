import { TesseraError, ValidationError } from '../errors.js'
import type { AuthContext } from './context.js'
import { makeConfirmationKey } from './email-verification.js'
import { humanDuration, mailing } from './password-reset.js'
import { revokeUserSessions } from './sessions.js'
import type { User } from './store.js'
import { renameUser } from './users.js'

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const TOO_LONG = 'Ensure this field has no more than 150 characters.'

/** Who asks: the user and the session of the access token (absent for a SimpleJWT-issued one). */
export interface Actor {
  userId: number
  sessionId: string | undefined
}

/**
 * Sensitive actions need the password, or a password login within REAUTH_WINDOW: a stolen session (a
 * borrowed laptop, a hijacked tab) cannot take the account over by changing its email or delete it.
 * A wrong password is throttled as a login is.
 */
export async function reauthenticate(ctx: AuthContext, actor: Actor, password: string | undefined): Promise<User> {
  const user = await ctx.store.findUserById(actor.userId)
  if (!user) throw new TesseraError('ERR_AUTH_USER_NOT_FOUND', 'User not found')
  if (password !== undefined) {
    await ctx.limiter.checkLogin('reauth', user.username)
    const { ok } = await ctx.hasher.verify(password, user.password)
    if (ok) return user
    await ctx.limiter.recordFailure('reauth', user.username)
    ctx.audit('reauth_failed', { user_id: user.id })
    throw new ValidationError({ password: ['Incorrect password.'] })
  }
  const windowMs = (ctx.accounts?.reauthWindow ?? 0) * 1000
  const session = actor.sessionId ? await ctx.store.findSession(actor.sessionId) : null
  // A session is opened only by a password (or second-factor) login; refreshes keep its created_at.
  if (session && session.user_id === user.id && ctx.now() - session.created_at <= windowMs) return user
  throw new TesseraError('ERR_AUTH_REAUTH_REQUIRED', 'Please confirm your password to do this.')
}

export interface ProfileChange {
  username?: string
  first_name?: string
  last_name?: string
  email?: string
  password?: string
}

/**
 * dj-rest-auth's user view, PATCH and PUT (PUT needs the username, as DRF's full update). Names change at
 * once; a new email only after its confirmation (requestEmailChange). Unknown fields are ignored, as DRF does.
 */
export async function updateProfile(ctx: AuthContext, actor: Actor, change: ProfileChange, replace: boolean): Promise<void> {
  const errors: Record<string, string[]> = {}
  if (replace && change.username === undefined) errors.username = ['This field is required.']
  for (const field of ['first_name', 'last_name'] as const) if ((change[field]?.length ?? 0) > 150) errors[field] = [TOO_LONG]
  if (change.email !== undefined && (change.email.length > 254 || !EMAIL.test(change.email))) errors.email = ['Enter a valid email address.']
  if (Object.keys(errors).length > 0) throw new ValidationError(errors)
  const user = await ctx.store.findUserById(actor.userId)
  if (!user) throw new TesseraError('ERR_AUTH_USER_NOT_FOUND', 'User not found')
  if (change.email !== undefined && change.email.toLowerCase() !== user.email.toLowerCase()) await requestEmailChange(ctx, actor, change.email, change.password)
  if (change.username !== undefined && change.username !== user.username) await renameUser(ctx, user.id, change.username)
  const names = { ...(change.first_name !== undefined && { first_name: change.first_name }), ...(change.last_name !== undefined && { last_name: change.last_name }) }
  if (Object.keys(names).length > 0) {
    await ctx.store.updateUser(user.id, names)
    ctx.users.invalidate(user.id)
    ctx.audit('profile_updated', { user_id: user.id })
  }
}

/** Mails a confirmation to the new address (the change happens on verify-email) and a notice to the old one. */
export async function requestEmailChange(ctx: AuthContext, actor: Actor, newEmail: string, password: string | undefined): Promise<void> {
  const { accounts, mail } = mailing(ctx)
  const user = await reauthenticate(ctx, actor, password)
  await ctx.mailLimiter?.take('email-change', newEmail)
  const vars = { username: user.username, email: newEmail }
  const mails = [
    mail.compose('email_change_confirm', newEmail, user.id, {
      ...vars,
      link: accounts.emailVerificationUrl.replace('{key}', makeConfirmationKey(ctx, user, newEmail)),
      valid_for: humanDuration(accounts.emailConfirmationExpireDays * 86_400),
    }),
    ...(user.email ? [mail.compose('email_change_notice', user.email, user.id, vars)] : []),
  ]
  await ctx.store.queueMail(mails, ctx.now())
  mail.wake()
  ctx.audit('email_change_requested', { user_id: user.id })
}

/**
 * Self-service deletion: every session ends on every instance first (so no access token outlives the
 * account), then the account and what is theirs go in one transaction with the notice.
 */
export async function deleteOwnAccount(ctx: AuthContext, actor: Actor, password: string | undefined): Promise<void> {
  const user = await reauthenticate(ctx, actor, password)
  await revokeUserSessions(ctx, user.id, 'user_deleted')
  const notice = user.email && ctx.mail ? [ctx.mail.compose('account_deleted', user.email, null, { username: user.username })] : []
  await ctx.store.deleteAccount(user.id, notice, ctx.now())
  ctx.users.invalidate(user.id)
  ctx.mail?.wake()
  ctx.audit('user_deleted', { user_id: user.id })
}
