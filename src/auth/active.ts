import { TesseraError } from '../errors.js'
import type { AuthContext } from './context.js'
import type { UserInfo } from './store.js'

/** The one rule for "may this user act": the account exists and is active. */
export const isActive = <T extends UserInfo>(user: T | null | undefined): user is T => user?.is_active === true

/**
 * The hot path's answer without a promise: the cached user when fresh and active, else undefined
 * (then `getActiveUser` reads, or refuses a missing or inactive user with its own error).
 */
export function cachedActiveUser(ctx: AuthContext, userId: number): UserInfo | undefined {
  const user = ctx.users.peek(userId)
  return isActive(user) ? user : undefined
}

/** An authenticated request's user, through the user cache; a deleted or deactivated one is refused. */
export async function getActiveUser(ctx: AuthContext, userId: number): Promise<UserInfo> {
  const user = await ctx.users.get(userId)
  if (!user) throw new TesseraError('ERR_AUTH_USER_NOT_FOUND', 'User not found')
  if (!isActive(user)) throw new TesseraError('ERR_AUTH_INACTIVE', 'User is inactive')
  return user
}
