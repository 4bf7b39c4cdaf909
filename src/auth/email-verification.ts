import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { TesseraError } from '../errors.js'
import { isActive } from './active.js'
import type { AuthContext, ClientInfo, MailComposer } from './context.js'
import { humanDuration, mailing } from './password-reset.js'
import { decodeUid, encodeUid } from './reset-token.js'
import type { AccountSettings } from '../config/index.js'
import type { NewMail, User } from './store.js'

const SALT = 'tessera.auth.email-confirmation'
const NOT_FOUND = () => new TesseraError('ERR_NOT_FOUND', 'Not found.')

/**
 * A confirmation key: `<uid>.<new address, base64url, or empty>.<time, base 36>.<HMAC>`, the HMAC (with
 * SECRET_KEY) over the user, their address when it was made, the new address and the time. Nothing is
 * stored: the key expires with EMAIL_CONFIRMATION_EXPIRE_DAYS, and a key for a change of address stops
 * working once the address has changed (it was made over the old one), so it works once.
 */
function mac(secret: string, user: Pick<User, 'id' | 'email'>, newEmail: string, ts: number): string {
  const key = createHash('sha256').update(SALT + secret).digest()
  return createHmac('sha256', key).update(`${user.id}\n${user.email.toLowerCase()}\n${newEmail}\n${ts}`).digest('base64url').slice(0, 32)
}

export function makeConfirmationKey(ctx: AuthContext, user: Pick<User, 'id' | 'email'>, newEmail: string): string {
  const ts = Math.floor(ctx.now() / 1000)
  return `${encodeUid(user.id)}.${Buffer.from(newEmail).toString('base64url')}.${ts.toString(36)}.${mac(ctx.settings.secretKey, user, newEmail, ts)}`
}

/** The user and the address a key confirms, or ERR_NOT_FOUND (allauth's 404) for anything else. */
async function readKey(ctx: AuthContext, accounts: AccountSettings, key: string): Promise<{ user: User; email: string; change: boolean }> {
  const parts = key.split('.')
  if (parts.length !== 4 || !/^[A-Za-z0-9_-]*$/.test(parts[1]!) || !/^[0-9a-z]{1,10}$/.test(parts[2]!)) throw NOT_FOUND()
  const id = decodeUid(parts[0]!)
  const user = id === null ? null : await ctx.store.findUserById(id)
  if (!user || !isActive(user)) throw NOT_FOUND()
  const newEmail = Buffer.from(parts[1]!, 'base64url').toString('utf8')
  const ts = Number.parseInt(parts[2]!, 36)
  const given = Buffer.from(parts[3]!)
  const valid = [ctx.settings.secretKey, ...ctx.settings.secretKeyFallbacks].some((secret) => {
    const expected = Buffer.from(mac(secret, user, newEmail, ts))
    return expected.length === given.length && timingSafeEqual(expected, given)
  })
  if (!valid || Math.floor(ctx.now() / 1000) - ts > accounts.emailConfirmationExpireDays * 86_400) throw NOT_FOUND()
  const email = newEmail || user.email
  if (!email) throw NOT_FOUND()
  return { user, email, change: newEmail !== '' }
}

/** The confirmation of a user's current address, rendered for the outbox. */
export function confirmationMail(ctx: AuthContext, accounts: AccountSettings, mail: MailComposer, user: Pick<User, 'id' | 'email' | 'username'>): NewMail {
  return mail.compose('email_verification', user.email, user.id, {
    username: user.username,
    email: user.email,
    link: accounts.emailVerificationUrl.replace('{key}', makeConfirmationKey(ctx, user, '')),
    valid_for: humanDuration(accounts.emailConfirmationExpireDays * 86_400),
  })
}

/** allauth's verify-email: the address is verified (and, for a change, becomes the account's). */
export async function verifyEmail(ctx: AuthContext, key: string): Promise<void> {
  if (!ctx.accounts) throw NOT_FOUND()
  const { user, email, change } = await readKey(ctx, ctx.accounts, key)
  const patch = change ? { email, email_verified: true } : { email_verified: true }
  if (!(await ctx.store.queueMail([], ctx.now(), { id: user.id, patch }))) throw NOT_FOUND()
  ctx.users.invalidate(user.id)
  ctx.audit(change ? 'email_changed' : 'email_verified', { user_id: user.id })
}

/** allauth's resend-email: a new confirmation to every active account with this unverified address; the answer is the same whatever the address. */
export async function resendConfirmation(ctx: AuthContext, email: string, client: ClientInfo): Promise<void> {
  const { accounts, mail } = mailing(ctx)
  await ctx.limiter.checkIp(client.ip, 'resend-email')
  await ctx.limiter.recordIp(client.ip, 'resend-email')
  await ctx.mailLimiter?.take('resend-email', email)
  const users = (await ctx.store.findUsersByEmail(email)).filter((u) => isActive(u) && !u.email_verified)
  if (users.length === 0) return
  await ctx.store.queueMail(users.map((user) => confirmationMail(ctx, accounts, mail, user)), ctx.now())
  mail.wake()
  for (const user of users) ctx.audit('email_confirmation_sent', { user_id: user.id, ip: client.ip })
}
