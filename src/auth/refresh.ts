import { TesseraError } from '../errors.js'
import { TokenInvalidError, type IssuedToken, type TokenClaims } from '../tokens/index.js'
import { isActive } from './active.js'
import { seenBy } from './client.js'
import type { AuthContext, ClientInfo } from './context.js'
import { refreshRecord } from './login.js'
import type { RefreshRecord, Session, SessionSeen, User, UserInfo } from './store.js'

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

/**
 * The user read fresh, as SimpleJWT does, not through the cache: a refresh writes to the database anyway, and
 * an account disabled there by hand (no session revoked) must stop refreshing at once. The row refills the cache.
 */
function activeUser(ctx: AuthContext, user: User | null): UserInfo {
  if (user) ctx.users.put(user)
  if (!isActive(user)) throw new TesseraError('ERR_AUTH_NO_ACTIVE_ACCOUNT', 'No active account found for the given token.')
  return user
}

/**
 * SimpleJWT's refresh, with rotation and reuse detection (RFC 9700 §4.14). The presented token is
 * marked used and its successor recorded in one compare-and-set. If it was already used and its
 * successor is still the live, unused token:
 * - from the client that rotated it (clientKey: its CSRF secret and User-Agent), the caller is a second
 *   tab racing the first, or the same tab retrying after a reply it never got (a crash, a dropped
 *   connection): it gets the same successor, re-signed from the stored claims, however late;
 * - from a session that predates client binding, the same holds within `reuseGrace`, from its User-Agent;
 * - otherwise a used token is being replayed, which only a thief would do: the whole session dies.
 *
 * Only failing refreshes count against the address's budget, and only they are refused by it: a
 * valid, unrevoked refresh token is itself the proof, so one broken client behind a NAT cannot log
 * out everyone else there.
 */
export async function refresh(ctx: AuthContext, token: string, client: ClientInfo): Promise<Refreshed> {
  try {
    return await rotateOrReissue(ctx, token, client)
  } catch (error) {
    if (error instanceof TesseraError && error.code !== 'ERR_STORE_UNAVAILABLE') {
      await ctx.limiter.checkIp(client.ip, 'refresh')
      await ctx.limiter.recordIp(client.ip, 'refresh')
    }
    throw error
  }
}

async function rotateOrReissue(ctx: AuthContext, token: string, client: ClientInfo): Promise<Refreshed> {
  const claims = verifyRefresh(ctx, token)
  const userId = Number(claims.user_id)
  const now = ctx.now()
  const seen = seenBy(ctx, client)
  if (!ctx.settings.rotate) {
    const user = activeUser(ctx, await ctx.store.findUserById(userId))
    const record = await ctx.store.findRefresh(claims.jti)
    const session = record && (await ctx.store.findSession(record.session_id))
    if (!record || !session) throw new TokenInvalidError('refresh', 'Token is invalid')
    if (record.revoked_at !== null || session.revoked_at !== null) throw new TokenInvalidError('refresh', 'Token is blacklisted', 'blacklisted')
    await ctx.store.touchSession(session.id, now, seen)
    return { access: ctx.tokens.issue('access', user.id, claims.sid), claims }
  }

  // The rotation reads the user itself and rotates only for an active one (on PostgreSQL in the same statement).
  const successor = ctx.tokens.issue('refresh', userId, claims.sid)
  const outcome = await ctx.store.rotateRefresh(claims.jti, refreshRecord(successor, claims.sid, userId, claims.jti), now, seen)
  const user = activeUser(ctx, outcome.user)
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
  const retry = live && record.used_at !== null && live.used_at === null && live.revoked_at === null ? sameClient(ctx, record, session, seen, now) : undefined
  if (retry) {
    ctx.audit(retry, { user_id: user.id, session_id: session.id, ip: seen.ip })
    const again = reissue(ctx, live!)
    return { access: ctx.tokens.issue('access', user.id, claims.sid), refresh: again, claims }
  }
  const cause = record.revoked_at !== null ? 'blacklisted token replayed' : live && live.used_at !== null ? 'ancestor of the live token replayed' : 'used token replayed by another client'
  await revokeForReuse(ctx, session.id, user.id, cause, seen)
  throw new TokenInvalidError('refresh', 'Token reuse detected: the session has been revoked', 'reused')
}

/**
 * Whether a replay of the live successor's parent comes from the client that rotated it: `refresh_retry`
 * for a bound session, `refresh_grace` for one from before binding (same User-Agent, within the window).
 */
function sameClient(ctx: AuthContext, record: RefreshRecord, session: Session, seen: SessionSeen, now: number): 'refresh_retry' | 'refresh_grace' | undefined {
  if (session.client_key !== '') return session.client_key === seen.client_key ? 'refresh_retry' : undefined
  return session.user_agent === seen.user_agent && now - record.used_at! <= ctx.settings.reuseGrace * 1000 ? 'refresh_grace' : undefined
}

/** The same successor, signed from its row: with HMAC the very same string the first racer got. */
function reissue(ctx: AuthContext, record: RefreshRecord): IssuedToken {
  const claims: TokenClaims = { token_type: 'refresh', exp: record.expires_at_s, iat: record.issued_at_s, jti: record.jti, user_id: record.user_id, sid: record.session_id }
  return { token: ctx.tokens.sign(claims), claims }
}

async function revokeForReuse(ctx: AuthContext, sessionId: string, userId: number, cause: string, seen: SessionSeen): Promise<void> {
  const now = ctx.now()
  await ctx.store.revokeSession(sessionId, 'reuse_detected', now)
  ctx.revocations.add(sessionId, now)
  ctx.audit('reuse_detected', { user_id: userId, session_id: sessionId, cause, ip: seen.ip, user_agent: seen.user_agent })
}
