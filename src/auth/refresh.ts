import { TesseraError } from '../errors.js'
import { TokenInvalidError, type IssuedToken, type TokenClaims } from '../tokens/index.js'
import type { AuthContext, ClientInfo } from './context.js'
import { refreshRecord } from './login.js'
import type { RefreshRecord, User } from './store.js'

export interface Refreshed {
  access: IssuedToken
  /** The successor refresh token; absent when rotation is off. */
  refresh?: IssuedToken
  claims: TokenClaims
}

/** Verifies a refresh token's signature and claims and that its session is not known to be revoked. */
export function verifyRefresh(ctx: AuthContext, token: string): TokenClaims & { sid: string } {
  const claims = ctx.tokens.verify(token, 'refresh')
  if (typeof claims.sid !== 'string') throw new TokenInvalidError('refresh', 'Token is invalid')
  if (ctx.revocations.has(claims.sid)) throw new TokenInvalidError('refresh', 'Token is blacklisted', 'blacklisted')
  return claims as TokenClaims & { sid: string }
}

/** From the user cache: deactivation and deletion revoke the sessions, so a stale entry cannot let a user back in. */
async function activeUser(ctx: AuthContext, claims: TokenClaims): Promise<User> {
  const user = await ctx.users.get(Number(claims.user_id))
  if (!user?.is_active) throw new TesseraError('ERR_AUTH_NO_ACTIVE_ACCOUNT', 'No active account found for the given token.')
  return user
}

/**
 * SimpleJWT's refresh, with rotation and reuse detection (RFC 9700 §4.14). The presented token is
 * marked used and its successor recorded in one compare-and-set. If it was already used:
 * - within `reuseGrace` of its rotation, and its successor is still the live token, the caller is a
 *   second tab racing the first: it gets the same successor, re-signed from the stored claims;
 * - otherwise a used token is being replayed, which only a thief would do: the whole session dies.
 */
export async function refresh(ctx: AuthContext, token: string, client: ClientInfo): Promise<Refreshed> {
  await ctx.limiter.checkIp(client.ip, 'refresh')
  try {
    return await rotateOrReissue(ctx, token)
  } catch (error) {
    if (error instanceof TesseraError && error.code !== 'ERR_STORE_UNAVAILABLE') await ctx.limiter.recordIp(client.ip, 'refresh')
    throw error
  }
}

async function rotateOrReissue(ctx: AuthContext, token: string): Promise<Refreshed> {
  const claims = verifyRefresh(ctx, token)
  const user = await activeUser(ctx, claims)
  const now = ctx.now()
  if (!ctx.settings.rotate) {
    const record = await ctx.store.findRefresh(claims.jti)
    const session = record && (await ctx.store.findSession(record.session_id))
    if (!record || !session) throw new TokenInvalidError('refresh', 'Token is invalid')
    if (record.revoked_at !== null || session.revoked_at !== null) throw new TokenInvalidError('refresh', 'Token is blacklisted', 'blacklisted')
    await ctx.store.touchSession(session.id, now)
    return { access: ctx.tokens.issue('access', user.id, claims.sid), claims }
  }

  const successor = ctx.tokens.issue('refresh', user.id, claims.sid)
  const outcome = await ctx.store.rotateRefresh(claims.jti, refreshRecord(successor, claims.sid, user.id, claims.jti), now)
  if (outcome.status === 'rotated') {
    ctx.audit('refresh', { user_id: user.id, session_id: claims.sid })
    return { access: ctx.tokens.issue('access', user.id, claims.sid), refresh: successor, claims }
  }

  const { record, successor: live, session } = outcome
  if (!record || !session || record.session_id !== claims.sid) throw new TokenInvalidError('refresh', 'Token is invalid')
  if (session.revoked_at !== null) {
    ctx.revocations.add(session.id, session.revoked_at)
    throw new TokenInvalidError('refresh', 'Token is blacklisted', 'blacklisted')
  }
  if (record.used_at !== null && inGrace(ctx, record, live, now)) {
    ctx.audit('refresh_grace', { user_id: user.id, session_id: session.id })
    const again = reissue(ctx, live!)
    return { access: ctx.tokens.issue('access', user.id, claims.sid), refresh: again, claims }
  }
  const cause = record.revoked_at !== null ? 'blacklisted token replayed' : live && live.used_at !== null ? 'ancestor of the live token replayed' : 'used token replayed after the grace window'
  await revokeForReuse(ctx, session.id, user.id, cause)
  throw new TokenInvalidError('refresh', 'Token reuse detected: the session has been revoked', 'reused')
}

function inGrace(ctx: AuthContext, record: RefreshRecord, live: RefreshRecord | null, now: number): boolean {
  return live !== null && live.used_at === null && live.revoked_at === null && now - record.used_at! <= ctx.settings.reuseGrace * 1000
}

/** The same successor, signed from its row: with HMAC the very same string the first racer got. */
function reissue(ctx: AuthContext, record: RefreshRecord): IssuedToken {
  const claims: TokenClaims = { token_type: 'refresh', exp: record.expires_at_s, iat: record.issued_at_s, jti: record.jti, user_id: record.user_id, sid: record.session_id }
  return { token: ctx.tokens.sign(claims), claims }
}

async function revokeForReuse(ctx: AuthContext, sessionId: string, userId: number, cause: string): Promise<void> {
  const now = ctx.now()
  await ctx.store.revokeSession(sessionId, 'reuse_detected', now)
  ctx.revocations.add(sessionId, now)
  ctx.audit('reuse_detected', { user_id: userId, session_id: sessionId, cause })
}
