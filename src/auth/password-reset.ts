import { TesseraError, ValidationError } from '../errors.js'
import { isActive } from './active.js'
import type { AuthContext, ClientInfo, MailComposer } from './context.js'
import { validatePassword } from './password-rules.js'
import { checkResetToken, decodeUid, encodeUid, makeResetToken } from './reset-token.js'
import { PASSWORD_MISMATCH as MISMATCH, revokeUserSessions } from './sessions.js'
import type { AccountSettings } from '../config/index.js'

export const RESET_SENT = 'Password reset e-mail has been sent.'
export const RESET_DONE = 'Password has been reset with the new password.'
const INVALID = ['Invalid value']

/** The account settings and the composer, or 503: the server always has them, a bare use-case test may not. */
export function mailing(ctx: AuthContext): { accounts: AccountSettings; mail: MailComposer } {
  if (!ctx.accounts || !ctx.mail?.enabled) throw new TesseraError('ERR_MAIL_UNAVAILABLE', 'Service temporarily unavailable: email is not configured.')
  return { accounts: ctx.accounts, mail: ctx.mail }
}

/** "1 hour", "3 days": how long a link works, for the mail's wording. */
export function humanDuration(seconds: number): string {
  const [n, unit] = seconds % 86_400 === 0 ? [seconds / 86_400, 'day'] : seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second']
  return `${n} ${unit}${n === 1 ? '' : 's'}`
}

/**
 * dj-rest-auth's password reset: mails a link to every active account with a usable password that has
 * this email (Django's PasswordResetForm.get_users). The caller answers the same whatever happened;
 * the throttle counts the address typed, so a refusal does not tell either.
 */
export async function requestPasswordReset(ctx: AuthContext, email: string, client: ClientInfo): Promise<void> {
  const { accounts, mail } = mailing(ctx)
  await ctx.limiter.checkIp(client.ip, 'password-reset')
  await ctx.limiter.recordIp(client.ip, 'password-reset')
  await ctx.mailLimiter?.take('password-reset', email)
  const now = ctx.now()
  const users = (await ctx.store.findUsersByEmail(email)).filter((u) => isActive(u) && u.password !== null)
  if (users.length === 0) return
  const mails = users.map((user) =>
    mail.compose('password_reset', user.email, user.id, {
      username: user.username,
      link: accounts.passwordResetUrl.replace('{uid}', encodeUid(user.id)).replace('{token}', makeResetToken(user, now, ctx.settings.secretKey)),
      valid_for: humanDuration(accounts.passwordResetTimeout),
    }),
  )
  await ctx.store.queueMail(mails, now)
  mail.wake()
  for (const user of users) ctx.audit('password_reset_requested', { user_id: user.id, ip: client.ip })
}

export interface ResetConfirmation {
  uid: string
  token: string
  new_password1: string
  new_password2: string
}

/**
 * dj-rest-auth's confirm: the uid, then the token (Django's, so a link a Django site mailed works), then
 * SetPasswordForm's checks. The new hash is stored only while the old one is still there, so a token
 * works once even when two requests race; every session then ends on every instance and a notice is mailed.
 */
export async function confirmPasswordReset(ctx: AuthContext, body: ResetConfirmation, client: ClientInfo): Promise<void> {
  const { accounts, mail } = mailing(ctx)
  await ctx.limiter.checkIp(client.ip, 'password-reset-confirm')
  const refuse = async (field: 'uid' | 'token'): Promise<never> => {
    await ctx.limiter.recordIp(client.ip, 'password-reset-confirm')
    throw new ValidationError({ [field]: INVALID })
  }
  const id = decodeUid(body.uid)
  const user = id === null ? null : await ctx.store.findUserById(id)
  if (!user) return refuse('uid')
  const secrets = [ctx.settings.secretKey, ...ctx.settings.secretKeyFallbacks]
  if (!checkResetToken(user, body.token, ctx.now(), secrets, accounts.passwordResetTimeout)) return refuse('token')
  const problems = body.new_password1 !== body.new_password2 ? [MISMATCH] : validatePassword(body.new_password2, user)
  if (problems.length > 0) throw new ValidationError({ new_password2: problems })
  const password = await ctx.hasher.hash(body.new_password1)
  const notice = user.email ? [mail.compose('password_reset_done', user.email, user.id, { username: user.username })] : []
  // The link came to this address, so it is verified now (as allauth marks it).
  const patch = { password, ...(user.email !== '' && { email_verified: true }) }
  if (!(await ctx.store.queueMail(notice, ctx.now(), { id: user.id, patch, expectPassword: user.password }))) return refuse('token')
  await revokeUserSessions(ctx, user.id, 'password_reset')
  mail.wake()
  ctx.audit('password_reset', { user_id: user.id, ip: client.ip })
}
