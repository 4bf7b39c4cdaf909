import { ValidationError } from '../errors.js'
import { isActive } from './active.js'
import type { AuthContext, ClientInfo } from './context.js'
import { completeLogin, type TokenPair } from './login.js'
import { INVALID_CODE, throttledCheck, useRecoveryCode, useTotpCode } from './mfa.js'
import { endPendingLogin, failPendingLogin, findPendingLogin, noPending } from './mfa-pending.js'
import { checkAssertion } from './passkeys.js'
import { revokeUserSessions } from './sessions.js'
import type { User } from './store.js'
import { takeChallenge, type RelyingParty } from './webauthn-challenge.js'

/** What the second step sends: one of them. */
export interface SecondFactor {
  code?: string
  recovery_code?: string
  /** A passkey's assertion (the credential JSON) for the challenge the `webauthn_challenge` cookie names. */
  webauthn?: unknown
}

/** Where a passkey answer is checked: the cookie naming its challenge, and the relying party. */
export interface Ceremony {
  challengeToken: string | undefined
  rp: RelyingParty
}

/**
 * Completes a pending login with its second factor. The pending login must be live and started by this
 * client (`client`: its CSRF cookie and User-Agent now); a wrong answer counts against it and against the
 * account. The session is opened exactly as a plain login opens one, for `next` (the client with the
 * CSRF secret this answer hands it). A recovery code ends every other session of the user first.
 */
export async function verifySecondFactor(ctx: AuthContext, token: string | undefined, factor: SecondFactor, client: ClientInfo, next: ClientInfo, ceremony?: Ceremony): Promise<TokenPair> {
  const field = factor.code !== undefined ? 'code' : factor.recovery_code !== undefined ? 'recovery_code' : factor.webauthn !== undefined ? 'webauthn' : null
  if (field === null) throw new ValidationError({ code: ['This field is required.'] })
  const pending = await findPendingLogin(ctx, token, client)
  const user = await ctx.store.findUserById(pending.user_id)
  if (!isActive(user)) {
    await endPendingLogin(ctx, pending)
    throw noPending()
  }
  // The challenge is spent by this attempt, right or wrong.
  const challenge = field === 'webauthn' && ceremony ? (await takeChallenge(ctx, ceremony.challengeToken, 'mfa', client, user.id)).challenge : undefined
  let recovered = false
  const ok = await throttledCheck(ctx, user, async () => {
    if (field === 'code') return useTotpCode(ctx, user, factor.code!)
    if (field === 'recovery_code') return (recovered = (await useRecoveryCode(ctx, user, factor.recovery_code!)) !== null)
    if (challenge === undefined || !ceremony) return false
    return checkAssertion(ctx, challenge, factor.webauthn, ceremony.rp, false, user.id, 'webauthn').then(
      () => true,
      (error: unknown) => (error instanceof ValidationError ? false : Promise.reject(error)),
    )
  })
  if (!ok) {
    await failPendingLogin(ctx, pending)
    throw new ValidationError({ [field]: [field === 'webauthn' ? 'Invalid passkey.' : INVALID_CODE] })
  }
  // Two requests with two right answers: one login.
  if (!(await endPendingLogin(ctx, pending))) throw noPending()
  if (recovered) await revokeUserSessions(ctx, user.id, 'mfa_recovery_code_used')
  return completeLogin(ctx, user, next, {}, { mfa: field === 'code' ? 'totp' : field })
}

/**
 * A passwordless login: a discoverable passkey with user verification is both factors at once. Failed
 * assertions count against the client's address as failed logins do.
 */
export async function loginWithPasskey(ctx: AuthContext, challengeToken: string | undefined, credential: unknown, rp: RelyingParty, client: ClientInfo, next: ClientInfo): Promise<TokenPair> {
  await ctx.limiter.checkIp(client.ip, 'login')
  const { challenge } = await takeChallenge(ctx, challengeToken, 'login', client)
  let user: User
  try {
    user = await checkAssertion(ctx, challenge, credential, rp, true)
  } catch (error) {
    await ctx.limiter.recordIp(client.ip, 'login')
    ctx.audit('login_failed', { ip: client.ip, cause: 'bad_passkey' })
    throw error
  }
  return completeLogin(ctx, user, next, {}, { via: 'passkey' })
}
