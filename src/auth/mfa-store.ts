import type { NewMail } from './store.js'

/**
 * What the second factors need from a database (part of Store). Times are milliseconds since the epoch.
 * Every change that mails a notice takes the rendered `mails` and queues them in the same transaction.
 */

/** A user's TOTP factor; `confirmed_at` null while enrolment waits for its first code. */
export interface TotpFactor {
  user_id: number
  /** The base32 secret, sealed (auth/key-encryption.ts). */
  secret: string
  confirmed_at: number | null
  /** The last RFC 6238 time step accepted: a code of that step or an earlier one is refused (replay). */
  last_step: number | null
  created_at: number
}

/** One recovery code, as an argon2 hash. */
export interface RecoveryCode {
  id: number
  user_id: number
  code_hash: string
  used_at: number | null
}

/** A login whose password was right and whose second factor is awaited (the `mfa_pending` cookie). */
export interface PendingLogin {
  /** SHA-256 of the cookie's random value: the database never holds the value itself. */
  id: string
  user_id: number
  /** The client that typed the password (clientKey): another client's cookie is refused. */
  client_key: string
  created_at: number
  expires_at: number
  failures: number
}

/** A passkey: a WebAuthn credential (id and COSE public key base64url) with the signature counter last seen. */
export interface PasskeyRecord {
  id: string
  user_id: number
  public_key: string
  counter: number
  /** The authenticator's transports, comma-separated (`internal,hybrid`). */
  transports: string
  name: string
  created_at: number
  last_used_at: number | null
}

/** What a WebAuthn challenge is for: adding a passkey, a passwordless login, or a pending login's second factor. */
export type ChallengePurpose = 'register' | 'login' | 'mfa'

/** A challenge handed out, single-use, bound to the client that asked (clientKey) and, but for `login`, to a user. */
export interface WebAuthnChallenge {
  /** SHA-256 of the `webauthn_challenge` cookie's value. */
  id: string
  challenge: string
  purpose: ChallengePurpose
  user_id: number | null
  client_key: string
  expires_at: number
}

export interface MfaStore {
  findTotp(userId: number): Promise<TotpFactor | null>
  /** Stores an unconfirmed secret, replacing an earlier unconfirmed one; false (nothing changed) while a confirmed one exists. */
  startTotp(userId: number, secret: string, now: number): Promise<boolean>
  /**
   * Confirms the unconfirmed factor whose secret is `secret`, records `step` as used and replaces the
   * user's recovery codes, in one transaction; false, with nothing changed, when there is no such factor.
   */
  activateTotp(userId: number, secret: string, step: number, codeHashes: string[], mails: NewMail[], now: number): Promise<boolean>
  /** Compare-and-set: records `step` only when the factor is confirmed and its last step is earlier. */
  useTotpStep(userId: number, step: number): Promise<boolean>
  /** Deletes the TOTP factor and the recovery codes; false, with nothing queued, when there was no factor. */
  removeTotp(userId: number, mails: NewMail[], now: number): Promise<boolean>
  /** The user's unused recovery codes. */
  listRecoveryCodes(userId: number): Promise<RecoveryCode[]>
  /** Marks one used, once (compare-and-set), queueing `mails` with it. */
  useRecoveryCode(id: number, mails: NewMail[], now: number): Promise<boolean>
  /** Stores a pending login (and forgets those expired at `created_at`). */
  createPendingLogin(pending: PendingLogin): Promise<void>
  findPendingLogin(id: string): Promise<PendingLogin | null>
  /** Counts a wrong code against it; returns the failures so far (0 when it is gone). */
  failPendingLogin(id: string): Promise<number>
  /** Deletes it; true for the one caller that did (a pending login completes once). */
  consumePendingLogin(id: string): Promise<boolean>
  listPasskeys(userId: number): Promise<PasskeyRecord[]>
  findPasskey(id: string): Promise<PasskeyRecord | null>
  /** Stores a new passkey with its notice; a credential id already registered (by anyone) is ERR_CONFLICT. */
  addPasskey(passkey: PasskeyRecord, mails: NewMail[], now: number): Promise<void>
  /**
   * Compare-and-set of the signature counter: records `counter` and the use only when it is above the stored
   * one (or both are 0: authenticators without a counter). False for a cloned or replayed assertion.
   */
  usePasskey(id: string, counter: number, now: number): Promise<boolean>
  /** Deletes one of the user's passkeys (`id`), or all of them (`null`); false, with nothing queued, when none was. */
  removePasskeys(userId: number, id: string | null, mails: NewMail[], now: number): Promise<boolean>
  /** Stores a challenge (and forgets those expired at `now`). */
  createChallenge(challenge: WebAuthnChallenge, now: number): Promise<void>
  /** Deletes and returns it: a challenge answers once, whatever the answer was. */
  takeChallenge(id: string): Promise<WebAuthnChallenge | null>
}
