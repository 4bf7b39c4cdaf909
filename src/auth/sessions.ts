import { TesseraError, ValidationError } from '../errors.js'
import { TokenInvalidError, type TokenClaims } from '../tokens/index.js'
import type { AuthContext } from './context.js'
import { validatePassword } from './password-rules.js'
import { verifyRefresh } from './refresh.js'
import { isActive } from './active.js'
import { userRevocationKey } from './revocations.js'
import type { Session } from './store.js'

/** The identity behind an access token. `sessionId` is absent only for SimpleJWT-issued tokens. */
export interface AccessContext {
  userId: number
  sessionId: string | undefined
  claims: TokenClaims
}

/**
 * The hot path: signature (cached per token), claims, then the in-memory revoked-session set.
 * No database read.
 */
export function authenticateAccess(ctx: AuthContext, token: string): AccessContext {
  const claims = ctx.tokens.verify(token, 'access')
  const sid = claims.sid
  if (sid === undefined) checkSessionless(ctx, claims)
  else if (ctx.revocations.has(sid)) throw new TokenInvalidError('access', 'Token is blacklisted', 'revoked')
  return { userId: Number(claims.user_id), sessionId: sid, claims }
}

/**
 * A token without a session comes from SimpleJWT during a migration (SIMPLEJWT_COMPAT) and no session
 * can be revoked for it: it may live no longer than an access token issued here, and every revocation
 * of the user's sessions (logout_all, password change, deactivation) ends those issued until then.
 */
function checkSessionless(ctx: AuthContext, claims: TokenClaims): void {
  if (!ctx.settings.simplejwtCompat) throw new TokenInvalidError('access', 'Token is invalid')
  if (typeof claims.iat !== 'number' || claims.exp - claims.iat > ctx.settings.accessLifetime) throw new TokenInvalidError('access', 'Token is invalid')
  const notBefore = ctx.revocations.revokedAt(userRevocationKey(Number(claims.user_id)))
  if (notBefore !== undefined && claims.iat * 1000 <= notBefore) throw new TokenInvalidError('access', 'Token is blacklisted', 'revoked')
}

/** Revokes one session: its refresh tokens are blacklisted and its access tokens die on every request. */
export async function revokeSession(ctx: AuthContext, sessionId: string, reason: string): Promise<boolean> {
  const now = ctx.now()
  const revoked = await ctx.store.revokeSession(sessionId, reason, now)
  ctx.revocations.add(sessionId, now)
  if (revoked) ctx.audit('session_revoked', { session_id: sessionId, reason })
  return revoked
}

/** Revokes every session of a user (but `keep`), as deactivation, deletion and password changes do. */
export async function revokeUserSessions(ctx: AuthContext, userId: number, reason: string, keep?: string): Promise<number> {
  const now = ctx.now()
  const ids = await ctx.store.revokeUserSessions(userId, reason, now, keep)
  for (const id of ids) ctx.revocations.add(id, now)
  ctx.revocations.add(userRevocationKey(userId), now)
  ctx.users.invalidate(userId)
  if (ids.length > 0) ctx.audit('session_revoked', { user_id: userId, sessions: ids.length, reason })
  return ids.length
}

/**
 * Logout by refresh token: blacklists it together with its whole session, so the session's access
 * tokens die too. A forged, expired or already blacklisted token is refused, as SimpleJWT's blacklist does.
 */
export async function logout(ctx: AuthContext, refreshToken: string): Promise<void> {
  // The signature vouches for `sid`; revoking the session blacklists every token in it, this one included.
  const claims = verifyRefresh(ctx, refreshToken)
  if (!(await revokeSession(ctx, claims.sid, 'logout'))) throw new TokenInvalidError('refresh', 'Token is blacklisted', 'blacklisted')
  ctx.audit('logout', { user_id: claims.user_id, session_id: claims.sid })
}

/** Logout by access token (a Bearer client keeps no refresh cookie): ends the session it names. */
export async function logoutSession(ctx: AuthContext, sessionId: string, userId: number): Promise<void> {
  await revokeSession(ctx, sessionId, 'logout')
  ctx.audit('logout', { user_id: userId, session_id: sessionId })
}

/** The user's live sessions; `current` marks the one making the request. */
export async function listSessions(ctx: AuthContext, userId: number, currentId: string | undefined): Promise<(Session & { current: boolean })[]> {
  const sessions = await ctx.store.listSessions(userId, ctx.now())
  return sessions.map((s) => ({ ...s, current: s.id === currentId }))
}

/** Revokes one of the user's own sessions; someone else's is "not found", never "forbidden". */
export async function revokeOwnSession(ctx: AuthContext, userId: number, sessionId: string): Promise<void> {
  const session = await ctx.store.findSession(sessionId)
  if (!session || session.user_id !== userId || session.revoked_at !== null) throw new TesseraError('ERR_NOT_FOUND', 'Not found.')
  await revokeSession(ctx, sessionId, 'revoked_by_user')
}

/** Checks the old password, stores the new one and ends every other session of the user. */
const SAME_PASSWORD = 'The new password must differ from the old one.'

/** Django's SetPasswordForm (the typographic apostrophe is Django's). */
export const PASSWORD_MISMATCH = 'The two password fields didn’t match.'

/** `confirm`, when given, must repeat the new password (dj-rest-auth's new_password2), checked after the old one. */
export async function changePassword(ctx: AuthContext, userId: number, currentSession: string | undefined, oldPassword: string, newPassword: string, confirm?: string): Promise<void> {
  // Read fresh, not through the cache: the old password is checked against the stored hash.
  const user = await ctx.store.findUserById(userId)
  if (!user) throw new TesseraError('ERR_AUTH_USER_NOT_FOUND', 'User not found')
  if (!isActive(user)) throw new TesseraError('ERR_AUTH_INACTIVE', 'User is inactive')
  await ctx.limiter.checkLogin('password-change', user.username)
  const { ok } = await ctx.hasher.verify(oldPassword, user.password)
  if (!ok) {
    await ctx.limiter.recordFailure('password-change', user.username)
    throw new ValidationError({ old_password: ['Your old password was entered incorrectly. Please enter it again.'] })
  }
  if (confirm !== undefined && confirm !== newPassword) throw new ValidationError({ new_password: [PASSWORD_MISMATCH] })
  // A "change" to the same password would revoke the other sessions yet leave a leaked password valid.
  const problems = newPassword === oldPassword ? [SAME_PASSWORD] : validatePassword(newPassword, user)
  if (problems.length > 0) throw new ValidationError({ new_password: problems })
  await ctx.store.updateUser(userId, { password: await ctx.hasher.hash(newPassword) })
  await revokeUserSessions(ctx, userId, 'password_changed', currentSession)
  ctx.audit('password_changed', { user_id: userId })
}

/**
 * SimpleJWT's verify endpoint (an "untyped" token: access or refresh), which here also refuses
 * revoked sessions and refresh tokens that were rotated or blacklisted.
 */
export async function verifyAnyToken(ctx: AuthContext, token: string): Promise<TokenClaims> {
  let claims: TokenClaims
  try {
    claims = ctx.tokens.verify(token, 'access')
  } catch (error) {
    if (!(error instanceof TokenInvalidError && error.reason === 'wrong_type')) throw error
    claims = ctx.tokens.verify(token, 'refresh')
  }
  if (claims.sid !== undefined && ctx.revocations.has(claims.sid)) throw new TokenInvalidError(claims.token_type, 'Token is blacklisted', 'blacklisted')
  if (claims.token_type === 'refresh') {
    const record = await ctx.store.findRefresh(claims.jti)
    if (!record) throw new TokenInvalidError('refresh', 'Token is invalid')
    if (record.revoked_at !== null || record.used_at !== null) throw new TokenInvalidError('refresh', 'Token is blacklisted', 'blacklisted')
  } else if (claims.sid === undefined) {
    checkSessionless(ctx, claims)
  }
  return claims
}
