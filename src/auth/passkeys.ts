import { createHmac } from 'node:crypto'
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server'
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { TesseraError, ValidationError } from '../errors.js'
import { isActive } from './active.js'
import type { AuthContext, ClientInfo } from './context.js'
import { noticeMails } from './mfa.js'
import type { PasskeyRecord } from './mfa-store.js'
import { reauthenticate, type Actor } from './profile.js'
import { revokeUserSessions } from './sessions.js'
import type { User } from './store.js'
import { usernameKey } from './username.js'
import { findPendingLogin } from './mfa-pending.js'
import { issueChallenge, type RelyingParty } from './webauthn-challenge.js'

export const INVALID_PASSKEY = 'Invalid passkey.'
const invalid = (field = 'credential') => new ValidationError({ [field]: [INVALID_PASSKEY] })
const transportsOf = (p: PasskeyRecord) => (p.transports ? p.transports.split(',') : [])
const userHandle = (userId: number) => new TextEncoder().encode(`tessera:${userId}`)

export interface Ceremony<T> {
  options: T
  /** The `webauthn_challenge` cookie's value. */
  token: string
}

/** Options for adding a passkey (signed in, with the password or a login within REAUTH_WINDOW). */
export async function registrationOptions(ctx: AuthContext, actor: Actor, password: string | undefined, rp: RelyingParty, client: ClientInfo): Promise<Ceremony<PublicKeyCredentialCreationOptionsJSON>> {
  const user = await reauthenticate(ctx, actor, password)
  const existing = await ctx.store.listPasskeys(user.id)
  if (existing.length >= ctx.mfa.maxCredentials) throw new ValidationError({ non_field_errors: [`An account may have at most ${ctx.mfa.maxCredentials} passkeys.`] })
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userID: userHandle(user.id),
    userDisplayName: `${user.first_name} ${user.last_name}`.trim() || user.username,
    timeout: ctx.mfa.challengeLifetime * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: transportsOf(p) })),
    // Discoverable and verified: the same passkey serves as a passwordless login.
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  })
  return { options, token: await issueChallenge(ctx, 'register', user.id, client, options.challenge) }
}

/** Verifies the attestation against the challenge taken, stores the passkey, ends the other sessions, mails a notice. */
export async function registerPasskey(ctx: AuthContext, actor: Actor, challenge: string, credential: unknown, name: string | undefined, rp: RelyingParty): Promise<PasskeyRecord> {
  const user = await ctx.store.findUserById(actor.userId)
  if (!user) throw new TesseraError('ERR_AUTH_USER_NOT_FOUND', 'User not found')
  let info: Extract<Awaited<ReturnType<typeof verifyRegistrationResponse>>, { verified: true }>['registrationInfo'] | undefined
  try {
    const result = await verifyRegistrationResponse({ response: credential as RegistrationResponseJSON, expectedChallenge: challenge, expectedOrigin: rp.origins, expectedRPID: rp.id, requireUserVerification: true })
    info = result.verified ? result.registrationInfo : undefined
  } catch {
    // A malformed or forged credential: the library's message is for a developer, not an answer.
  }
  if (!info) throw invalid()
  const now = ctx.now()
  const count = (await ctx.store.listPasskeys(user.id)).length
  const passkey: PasskeyRecord = {
    id: info.credential.id,
    user_id: user.id,
    public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: (info.credential.transports ?? []).join(',').slice(0, 255),
    name: name?.trim().slice(0, 64) || `Passkey ${count + 1}`,
    created_at: now,
    last_used_at: null,
  }
  try {
    await ctx.store.addPasskey(passkey, noticeMails(ctx, user, 'mfa_factor_added', { factor: `passkey “${passkey.name}”` }), now)
  } catch (error) {
    if (error instanceof TesseraError && error.code === 'ERR_CONFLICT') throw new ValidationError({ credential: ['This passkey is already registered.'] })
    throw error
  }
  ctx.mail?.wake()
  await revokeUserSessions(ctx, user.id, 'mfa_enabled', actor.sessionId)
  ctx.audit('mfa_enabled', { user_id: user.id, factor: 'passkey' })
  return passkey
}

/** Removes one of the user's passkeys (with the password or a recent login); other sessions end. */
export async function removePasskey(ctx: AuthContext, actor: Actor, id: string, password: string | undefined): Promise<void> {
  const user = await reauthenticate(ctx, actor, password)
  const passkey = (await ctx.store.listPasskeys(user.id)).find((p) => p.id === id)
  if (!passkey || !(await ctx.store.removePasskeys(user.id, id, noticeMails(ctx, user, 'mfa_factor_removed', { factor: `passkey “${passkey.name}”` }), ctx.now()))) throw new TesseraError('ERR_NOT_FOUND', 'Not found.')
  ctx.mail?.wake()
  await revokeUserSessions(ctx, user.id, 'mfa_disabled', actor.sessionId)
  ctx.audit('mfa_disabled', { user_id: user.id, factor: 'passkey' })
}

/**
 * A stand-in credential id for a username without passkeys, the same each time: the options do not
 * tell whether the account exists or has passkeys.
 */
const decoyId = (ctx: AuthContext, username: string) => createHmac('sha256', `tessera.webauthn.decoy:${ctx.settings.secretKey}`).update(usernameKey(username)).digest('base64url')

/**
 * Options for an assertion: for `userId` (a pending login's second factor), for a named user, or for
 * any discoverable passkey of this site (passwordless, no username).
 */
async function assertionOptions(ctx: AuthContext, target: { userId: number } | { username: string | undefined }, rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON> {
  let allow: { id: string; transports?: string[] }[] = []
  if ('userId' in target) allow = (await ctx.store.listPasskeys(target.userId)).map((p) => ({ id: p.id, transports: transportsOf(p) }))
  else if (target.username !== undefined) {
    const user = await ctx.store.findUserByUsername(target.username)
    const passkeys = user ? await ctx.store.listPasskeys(user.id) : []
    allow = passkeys.length > 0 ? passkeys.map((p) => ({ id: p.id, transports: transportsOf(p) })) : [{ id: decoyId(ctx, target.username) }]
  }
  return generateAuthenticationOptions({ rpID: rp.id, allowCredentials: allow, userVerification: 'userId' in target ? 'preferred' : 'required', timeout: ctx.mfa.challengeLifetime * 1000 })
}

/**
 * The login options route: with a live pending login of this client (its password step done) the
 * challenge is for that user's second factor; otherwise for a passwordless login.
 */
export async function loginOptions(ctx: AuthContext, pendingToken: string | undefined, username: string | undefined, rp: RelyingParty, client: ClientInfo): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
  // Anyone may ask, and each answer stores a challenge: RATE_LIMIT_IP_PER_MINUTE bounds them per address.
  await ctx.limiter.checkIp(client.ip, 'passkey-options')
  await ctx.limiter.recordIp(client.ip, 'passkey-options')
  let pendingUser: number | null = null
  if (pendingToken) {
    try {
      pendingUser = (await findPendingLogin(ctx, pendingToken, client)).user_id
    } catch (error) {
      // A stale cookie (used, expired, another client's) is no pending login: passwordless, then.
      if (!(error instanceof TesseraError && error.code === 'ERR_AUTH_MFA_PENDING')) throw error
    }
  }
  const options = await assertionOptions(ctx, pendingUser !== null ? { userId: pendingUser } : { username }, rp)
  return { options, token: await issueChallenge(ctx, pendingUser !== null ? 'mfa' : 'login', pendingUser, client, options.challenge) }
}

/**
 * Checks an assertion against the challenge taken: a registered passkey (of `userId`, when given), the
 * signature, origin and RP ID, user verification when `verified`, the user handle, and the signature
 * counter, recorded by compare-and-set (a replayed or cloned assertion loses). Answers its active user.
 */
export async function checkAssertion(ctx: AuthContext, challenge: string, credential: unknown, rp: RelyingParty, verified: boolean, userId?: number, field = 'credential'): Promise<User> {
  const response = credential as AuthenticationResponseJSON
  const id = typeof response?.id === 'string' ? response.id : undefined
  const passkey = id ? await ctx.store.findPasskey(id) : null
  if (!passkey || (userId !== undefined && passkey.user_id !== userId)) throw invalid(field)
  let counter: number | undefined
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: { id: passkey.id, publicKey: Buffer.from(passkey.public_key, 'base64url'), counter: passkey.counter, transports: transportsOf(passkey) },
      requireUserVerification: verified,
    })
    if (result.verified) counter = result.authenticationInfo.newCounter
  } catch {
    // Wrong signature, challenge, origin, RP ID or counter: all the same refusal.
  }
  const handle = response.response?.userHandle
  if (counter === undefined || (handle && Buffer.from(handle, 'base64url').toString('utf8') !== `tessera:${passkey.user_id}`)) throw invalid(field)
  if (!(await ctx.store.usePasskey(passkey.id, counter, ctx.now()))) throw invalid(field)
  const user = await ctx.store.findUserById(passkey.user_id)
  if (!isActive(user)) throw invalid(field)
  return user
}
