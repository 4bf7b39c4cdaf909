import { ValidationError } from '../errors.js'
import { isActive } from './active.js'
import type { AuthContext, ClientInfo } from './context.js'
import { completeLogin, type TokenPair } from './login.js'
import { INVALID_CODE, throttledCheck, useRecoveryCode, useTotpCode } from './mfa.js'
import { endPendingLogin, failPendingLogin, findPendingLogin, noPending } from './mfa-pending.js'
import { revokeUserSessions } from './sessions.js'

/** What the second step sends: one of them. */
export interface SecondFactor {
  code?: string
  recovery_code?: string
}

/**
 * Completes a pending login with its second factor. The pending login must be live and started by this
 * client (`client`: its CSRF cookie and User-Agent now); a wrong code counts against it and against the
 * account. The session is opened exactly as a plain login opens one, for `next` (the client with the
 * CSRF secret this answer hands it). A recovery code ends every other session of the user first.
 */
export async function verifySecondFactor(ctx: AuthContext, token: string | undefined, factor: SecondFactor, client: ClientInfo, next: ClientInfo): Promise<TokenPair> {
  const field = factor.code !== undefined ? 'code' : factor.recovery_code !== undefined ? 'recovery_code' : null
  if (field === null) throw new ValidationError({ code: ['This field is required.'] })
  const pending = await findPendingLogin(ctx, token, client)
  const user = await ctx.store.findUserById(pending.user_id)
  if (!isActive(user)) {
    await endPendingLogin(ctx, pending)
    throw noPending()
  }
  let recovered = false
  const ok = await throttledCheck(ctx, user, async () => {
    if (field === 'code') return useTotpCode(ctx, user, factor.code!)
    recovered = (await useRecoveryCode(ctx, user, factor.recovery_code!)) !== null
    return recovered
  })
  if (!ok) {
    await failPendingLogin(ctx, pending)
    throw new ValidationError({ [field]: [INVALID_CODE] })
  }
  // Two requests with two right codes: one login.
  if (!(await endPendingLogin(ctx, pending))) throw noPending()
  if (recovered) await revokeUserSessions(ctx, user.id, 'mfa_recovery_code_used')
  return completeLogin(ctx, user, next, {}, { mfa: field === 'code' ? 'totp' : 'recovery_code' })
}
