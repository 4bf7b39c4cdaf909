import { createHash, randomBytes } from 'node:crypto'
import { TesseraError } from '../errors.js'
import { clientKey } from './client.js'
import type { AuthContext, ClientInfo } from './context.js'
import type { ChallengePurpose, WebAuthnChallenge } from './mfa-store.js'

/** Where a ceremony happens: the relying party ID, the origins accepted, the name shown. */
export interface RelyingParty {
  id: string
  origins: string[]
  name: string
}

export const NO_CHALLENGE = 'The passkey challenge has expired or was asked for elsewhere: ask for a new one.'
const noChallenge = () => new TesseraError('ERR_WEBAUTHN_CHALLENGE', NO_CHALLENGE)
const challengeId = (token: string) => createHash('sha256').update(token).digest('base64url')

/**
 * Stores the challenge of a ceremony, bound to the client that asked (its clientKey) and to `userId`;
 * answers the value of the `webauthn_challenge` cookie that names it.
 */
export async function issueChallenge(ctx: AuthContext, purpose: ChallengePurpose, userId: number | null, client: ClientInfo, challenge: string): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  const now = ctx.now()
  await ctx.store.createChallenge({ id: challengeId(token), challenge, purpose, user_id: userId, client_key: clientKey(ctx, client), expires_at: now + ctx.mfa.challengeLifetime * 1000 }, now)
  return token
}

/**
 * Takes the challenge the cookie names, once: whatever the answer, it cannot be answered again (a replayed
 * assertion finds nothing). It must be live, for this purpose, from this client and (`userId`) this user.
 */
export async function takeChallenge(ctx: AuthContext, token: string | undefined, purpose: ChallengePurpose, client: ClientInfo, userId?: number): Promise<WebAuthnChallenge> {
  const row = token ? await ctx.store.takeChallenge(challengeId(token)) : null
  if (!row || row.purpose !== purpose || row.expires_at <= ctx.now() || row.client_key !== clientKey(ctx, client)) throw noChallenge()
  if (userId !== undefined && row.user_id !== userId) throw noChallenge()
  return row
}
