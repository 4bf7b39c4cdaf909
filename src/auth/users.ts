import { TesseraError, ValidationError } from '../errors.js'
import type { AuthContext, ClientInfo } from './context.js'
import { openSession, type TokenPair } from './login.js'
import { validatePassword } from './password-rules.js'
import { revokeUserSessions } from './sessions.js'
import { confirmationMail } from './email-verification.js'
import type { NewMail, NewUser, User } from './store.js'
import { normalizeUsername } from './username.js'
import { mixedScripts } from './username-scripts.js'

/** Django's UnicodeUsernameValidator and max_length. */
const USERNAME = /^[\p{L}\p{N}_.@+-]+$/u
const USERNAME_MESSAGE = 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const TAKEN = 'A user with that username already exists.'

export interface NewAccount {
  username: string
  password: string
  email?: string
  first_name?: string
  last_name?: string
  is_staff?: boolean
  is_superuser?: boolean
}

/**
 * Django's username checks, on the normalized name (as Django's UsernameField normalizes first), and, for
 * a new name, one script (USERNAME_ALLOW_MIXED_SCRIPTS): the canonical key folds case and width, not a
 * Cyrillic `а` into a Latin `a`. Existing names are never checked again (login does not look).
 */
function usernameErrors(username: string, allowMixedScripts: boolean): string[] {
  if (username.length > 150) return ['Ensure this field has no more than 150 characters.']
  if (!USERNAME.test(username)) return [USERNAME_MESSAGE]
  const mixed = allowMixedScripts ? undefined : mixedScripts(username)
  return mixed ? [`Enter a username in one script; this one mixes ${mixed.join(' and ')} letters.`] : []
}

/** Field errors in DRF's shape for an account that cannot be created as given. */
function accountErrors(account: NewAccount, checkPassword: boolean, allowMixedScripts: boolean): Record<string, string[]> {
  const errors: Record<string, string[]> = {}
  const add = (field: string, message: string) => (errors[field] ??= []).push(message)
  for (const problem of usernameErrors(account.username, allowMixedScripts)) add('username', problem)
  if (account.email && (account.email.length > 254 || !EMAIL.test(account.email))) add('email', 'Enter a valid email address.')
  for (const field of ['first_name', 'last_name'] as const) {
    if ((account[field]?.length ?? 0) > 150) add(field, 'Ensure this field has no more than 150 characters.')
  }
  if (checkPassword) for (const problem of validatePassword(account.password, account)) add('password', problem)
  return errors
}

/**
 * Creates a user (the CLI's createuser, and registration). `checkPassword: false` lets an operator
 * set a password that Django's validators would refuse, as Django's createsuperuser allows on request.
 */
export async function createUser(ctx: AuthContext, given: NewAccount, checkPassword = true, mails?: (created: User) => NewMail[]): Promise<User> {
  const account = { ...given, username: normalizeUsername(given.username) }
  const errors = accountErrors(account, checkPassword, ctx.settings.usernameAllowMixedScripts)
  if (Object.keys(errors).length > 0) throw new ValidationError(errors)
  // Looked up by the canonical key: `Carol` is taken when `carol` exists.
  if (await ctx.store.findUserByUsername(account.username)) throw new ValidationError({ username: [TAKEN] })
  const user: NewUser = {
    username: account.username,
    email: account.email ?? '',
    first_name: account.first_name ?? '',
    last_name: account.last_name ?? '',
    password: await ctx.hasher.hash(account.password),
    is_active: true,
    is_staff: account.is_staff ?? false,
    is_superuser: account.is_superuser ?? false,
    date_joined: ctx.now(),
  }
  try {
    return await ctx.store.createUser(user, mails)
  } catch (error) {
    // Two registrations racing for one name: the unique index decides, the loser gets the field error.
    if (error instanceof TesseraError && error.code === 'ERR_CONFLICT') throw new ValidationError({ username: [TAKEN] })
    throw error
  }
}

/** Gives an account a new username (the operator's way out of a name collision, see migration 0002). */
export async function renameUser(ctx: AuthContext, userId: number, newName: string): Promise<User> {
  const username = normalizeUsername(newName)
  const problems = usernameErrors(username, ctx.settings.usernameAllowMixedScripts)
  if (problems.length > 0) throw new ValidationError({ username: problems })
  const user = await ctx.store.findUserById(userId)
  if (!user) throw new TesseraError('ERR_NOT_FOUND', `no user has id ${userId}`)
  const holder = await ctx.store.findUserByUsername(username)
  if (holder && holder.id !== userId) throw new ValidationError({ username: [TAKEN] })
  try {
    await ctx.store.updateUser(userId, { username })
  } catch (error) {
    if (error instanceof TesseraError && error.code === 'ERR_CONFLICT') throw new ValidationError({ username: [TAKEN] })
    throw error
  }
  ctx.users.invalidate(userId)
  return { ...user, username }
}

/** Self-service registration: creates the account and logs it in. */
export async function register(ctx: AuthContext, account: NewAccount, client: ClientInfo): Promise<TokenPair> {
  const { pair } = await registerAccount(ctx, account, client)
  if (!pair) throw new TesseraError('ERR_VALIDATION', 'E-mail is not verified.')
  return pair
}

/**
 * Registration as the route sees it: with an email (and EMAIL_VERIFICATION other than none) the
 * confirmation commits with the new account. With `mandatory` the email is required and no session is
 * opened until it is verified (`pair` null), as django-allauth does.
 */
export async function registerAccount(ctx: AuthContext, account: NewAccount, client: ClientInfo): Promise<{ user: User; pair: TokenPair | null }> {
  if (!ctx.settings.registrationEnabled) throw new TesseraError('ERR_AUTH_REGISTRATION_CLOSED', 'Registration is disabled.')
  const verification = ctx.accounts?.emailVerification ?? 'none'
  if (verification === 'mandatory' && !account.email) throw new ValidationError({ email: ['This field is required.'] })
  await ctx.limiter.checkIp(client.ip, 'register')
  await ctx.limiter.recordIp(client.ip, 'register')
  const { accounts, mail } = ctx
  const confirm = verification !== 'none' && account.email && accounts && mail ? (created: User) => [confirmationMail(ctx, accounts, mail, created)] : undefined
  const user = await createUser(ctx, { ...account, is_staff: false, is_superuser: false }, true, confirm)
  if (confirm) mail?.wake()
  ctx.audit('user_registered', { user_id: user.id, ip: client.ip })
  return { user, pair: verification === 'mandatory' ? null : await openSession(ctx, user, client) }
}

/** Sets a new password (operator command) and ends every session of the user. */
export async function setPassword(ctx: AuthContext, userId: number, password: string): Promise<void> {
  if (!(await ctx.store.updateUser(userId, { password: await ctx.hasher.hash(password) }))) throw new TesseraError('ERR_AUTH_USER_NOT_FOUND', 'User not found')
  await revokeUserSessions(ctx, userId, 'password_changed')
}

/** Deactivation cuts the user off at once: every session is revoked. */
export async function setActive(ctx: AuthContext, userId: number, active: boolean): Promise<void> {
  await ctx.store.updateUser(userId, { is_active: active })
  if (!active) await revokeUserSessions(ctx, userId, 'deactivated')
  ctx.users.invalidate(userId)
}

/** Deleting a user revokes their sessions first, so no access token outlives the account. */
export async function deleteUser(ctx: AuthContext, userId: number): Promise<boolean> {
  await revokeUserSessions(ctx, userId, 'user_deleted')
  const deleted = await ctx.store.deleteUser(userId)
  ctx.users.invalidate(userId)
  return deleted
}
