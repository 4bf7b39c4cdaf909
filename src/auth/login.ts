import { createHmac, randomBytes } from 'node:crypto'
import { TesseraError, ValidationError } from '../errors.js'
import type { IssuedToken } from '../tokens/index.js'
import { isActive } from './active.js'
import { seenBy } from './client.js'
import { revokeSession } from './sessions.js'
import type { AuthContext, ClientInfo } from './context.js'
import { factorsOf, startPendingLogin, type MfaChallenge } from './mfa-pending.js'
import type { RefreshRecord, Session, User, UserInfo, UserPatch } from './store.js'
import { usernameKey } from './username.js'

/** SimpleJWT's message, the same for an unknown user, a wrong password and an inactive account. */
export const BAD_CREDENTIALS = 'No active account found with the given credentials'

export interface TokenPair {
  access: IssuedToken
  refresh: IssuedToken
  session: Session
  user: UserInfo
}

export const newSessionId = (): string => randomBytes(16).toString('base64url')

export function refreshRecord(issued: IssuedToken, sessionId: string, userId: number, parent: string | null): RefreshRecord {
  return {
    jti: issued.claims.jti,
    session_id: sessionId,
    user_id: userId,
    parent_jti: parent,
    issued_at_s: issued.claims.iat,
    expires_at_s: issued.claims.exp,
    used_at: null,
    successor_jti: null,
    revoked_at: null,
  }
}

/**
 * Opens a session (token family) for a user who has just proved who they are, bound to the client
 * (see clientKey). Beyond `maxSessionsPerUser` live sessions, the oldest are revoked: logins in a loop
 * cannot grow a user's sessions, and the revocation set, without bound.
 */
export async function openSession(ctx: AuthContext, user: UserInfo, client: ClientInfo): Promise<TokenPair> {
  const now = ctx.now()
  const sid = newSessionId()
  const refresh = ctx.tokens.issue('refresh', user.id, sid)
  const access = ctx.tokens.issue('access', user.id, sid)
  const session: Session = {
    id: sid,
    user_id: user.id,
    created_at: now,
    last_used_at: now,
    expires_at: refresh.claims.exp * 1000,
    revoked_at: null,
    revoke_reason: null,
    ...seenBy(ctx, client),
  }
  await ctx.store.createSession(session, refreshRecord(refresh, sid, user.id, null))
  await capSessions(ctx, user.id, sid)
  return { access, refresh, session, user }
}

/** The least recently used sessions beyond the cap go; never `keep`, the one just opened. */
async function capSessions(ctx: AuthContext, userId: number, keep: string): Promise<void> {
  const others = (await ctx.store.listSessions(userId, ctx.now())).filter((s) => s.id !== keep)
  for (const old of others.slice(ctx.settings.maxSessionsPerUser - 1)) await revokeSession(ctx, old.id, 'session_limit')
}

/**
 * What the log says about the name a failed login gave. A password typed into the username field must
 * not land in the log: an account's own name is logged, anything else only as a keyed hash (the same
 * for one name on every instance, so a spray can still be followed, but not reversed by guessing).
 */
function attemptedName(ctx: AuthContext, typed: string, user: UserInfo | null): { username: string } | { username_hmac: string } {
  if (user) return { username: user.username }
  return { username_hmac: createHmac('sha256', `tessera.audit.username:${ctx.settings.secretKey}`).update(usernameKey(typed)).digest('hex').slice(0, 32) }
}

/**
 * The password step of every login: throttles, checks the password (an unknown user costs the same hash
 * time as a wrong password, and all failures give the same error, so neither timing nor wording tells
 * which) and the account. A hash in an older format (Django's) comes back as `rehash`: argon2id of it.
 */
async function checkPassword(ctx: AuthContext, username: string, password: string, client: ClientInfo): Promise<{ user: User; rehash: string | undefined }> {
  await ctx.limiter.checkIp(client.ip, 'login')
  await ctx.limiter.checkLogin(client.ip, username)
  const user = await ctx.store.findUserByUsername(username)
  let ok = false
  let needsRehash = false
  if (user) ({ ok, needsRehash } = await ctx.hasher.verify(password, user.password))
  else await ctx.hasher.burn(password)
  if (!ok || !isActive(user)) {
    await ctx.limiter.recordFailure(client.ip, username)
    await ctx.limiter.recordIp(client.ip, 'login')
    ctx.audit('login_failed', { ...attemptedName(ctx, username, user), ...(user && { user_id: user.id }), ip: client.ip, cause: !user ? 'unknown_user' : !ok ? 'bad_password' : 'inactive' })
    throw new TesseraError('ERR_AUTH_BAD_CREDENTIALS', BAD_CREDENTIALS)
  }
  // allauth's mandatory verification, after the password so that it tells nothing to a guesser.
  if (ctx.accounts?.emailVerification === 'mandatory' && user.email !== '' && !user.email_verified) throw new ValidationError({ non_field_errors: ['E-mail is not verified.'] })
  await ctx.limiter.recordSuccess(client.ip, user.username)
  return { user, rehash: needsRehash ? await ctx.hasher.hash(password) : undefined }
}

/** What a login answers: a session, or (for an account with a second factor) a pending login that awaits it. */
export type LoginStep = TokenPair | { mfa: MfaChallenge }

/**
 * The login route's use case: the password, then either a session or, when the account has a second
 * factor, only a pending login bound to this client (completed by verifySecondFactor).
 */
export async function beginLogin(ctx: AuthContext, username: string, password: string, client: ClientInfo): Promise<LoginStep> {
  const { user, rehash } = await checkPassword(ctx, username, password, client)
  const methods = await factorsOf(ctx, user.id)
  if (methods.length === 0) return completeLogin(ctx, user, client, rehash === undefined ? {} : { password: rehash })
  if (rehash !== undefined) await ctx.store.updateUser(user.id, { password: rehash })
  return { mfa: await startPendingLogin(ctx, user, client, methods) }
}

/**
 * How every login ends, after the password alone or after a second factor: `last_login` (and `patch`)
 * stored, the user cache filled, a session opened, `login_ok` audited.
 */
export async function completeLogin(ctx: AuthContext, user: User, client: ClientInfo, patch: UserPatch = {}, fields: Record<string, unknown> = {}): Promise<TokenPair> {
  const change = { last_login: ctx.now(), ...patch }
  await ctx.store.updateUser(user.id, change)
  // Filled, not emptied: the user's next request needs no read, even while the database is down.
  const updated = { ...user, ...change }
  ctx.users.put(updated)
  const pair = await openSession(ctx, updated, client)
  ctx.audit('login_ok', { user_id: user.id, session_id: pair.session.id, ip: client.ip, rehashed: patch.password !== undefined, ...fields })
  return pair
}

/** A login that must open a session at once (the use-case API): an account with a second factor is refused. */
export async function login(ctx: AuthContext, username: string, password: string, client: ClientInfo): Promise<TokenPair> {
  const step = await beginLogin(ctx, username, password, client)
  if ('mfa' in step) throw new TesseraError('ERR_AUTH_MFA_REQUIRED', 'This account has a second factor: log in through the login route.')
  return step
}
