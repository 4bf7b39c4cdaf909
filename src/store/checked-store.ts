import { performance } from 'node:perf_hooks'
import type { MailStatus, NewMail, NewUser, OutboxMessage, PasskeyRecord, PendingLogin, RecoveryCode, WebAuthnChallenge, RefreshRecord, TotpFactor, RotateOutcome, Session, SessionSeen, Store, StoredKey, User, UserChange, UserPatch } from '../auth/index.js'
import { StoreUnavailableError } from '../errors.js'
import { translateError } from './errors.js'

/** How a store call ended, for the latency histogram. */
export type StoreOutcome = 'ok' | 'error' | 'unavailable'
/** Receives the duration (seconds) of every store call. */
export type StoreTimer = (operation: keyof Store, outcome: StoreOutcome, seconds: number) => void

/**
 * The one wrapper around a Store: callers only ever see Tessera's errors (a driver's "connection
 * refused" becomes StoreUnavailableError, a unique violation ERR_CONFLICT), and every call is timed
 * when a timer is attached. Every method is listed, so a new Store method must be added here.
 */
export class CheckedStore implements Store {
  constructor(
    readonly inner: Store,
    private readonly timer?: StoreTimer,
  ) {}

  /** `store` checked and timed by `timer`; a CheckedStore is re-wrapped around its inner store, never twice. */
  static wrap(store: Store, timer?: StoreTimer): CheckedStore {
    return new CheckedStore(store instanceof CheckedStore ? store.inner : store, timer)
  }

  async #run<T>(operation: keyof Store, call: () => Promise<T>): Promise<T> {
    const started = this.timer ? performance.now() : 0
    let outcome: StoreOutcome = 'ok'
    try {
      return await call()
    } catch (error) {
      const translated = translateError(error)
      outcome = translated instanceof StoreUnavailableError ? 'unavailable' : 'error'
      throw translated
    } finally {
      this.timer?.(operation, outcome, (performance.now() - started) / 1000)
    }
  }

  findUserById(id: number): Promise<User | null> {
    return this.#run('findUserById', () => this.inner.findUserById(id))
  }
  findUserByUsername(username: string): Promise<User | null> {
    return this.#run('findUserByUsername', () => this.inner.findUserByUsername(username))
  }
  createUser(user: NewUser, mails?: (created: User) => NewMail[]): Promise<User> {
    return this.#run('createUser', () => this.inner.createUser(user, mails))
  }
  findUsersByEmail(email: string): Promise<User[]> {
    return this.#run('findUsersByEmail', () => this.inner.findUsersByEmail(email))
  }
  queueMail(mails: NewMail[], now: number, change?: UserChange): Promise<boolean> {
    return this.#run('queueMail', () => this.inner.queueMail(mails, now, change))
  }
  claimMail(now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]> {
    return this.#run('claimMail', () => this.inner.claimMail(now, leaseMs, limit))
  }
  markMailSent(id: number, claimId: string, now: number): Promise<boolean> {
    return this.#run('markMailSent', () => this.inner.markMailSent(id, claimId, now))
  }
  markMailFailed(id: number, claimId: string, error: string, retryAt: number | null): Promise<boolean> {
    return this.#run('markMailFailed', () => this.inner.markMailFailed(id, claimId, error, retryAt))
  }
  mailCounts(): Promise<Record<MailStatus, number>> {
    return this.#run('mailCounts', () => this.inner.mailCounts())
  }
  listMail(status: MailStatus | null, limit: number): Promise<OutboxMessage[]> {
    return this.#run('listMail', () => this.inner.listMail(status, limit))
  }
  retryMail(id: number, now: number): Promise<boolean> {
    return this.#run('retryMail', () => this.inner.retryMail(id, now))
  }
  purgeSentMail(before: number): Promise<number> {
    return this.#run('purgeSentMail', () => this.inner.purgeSentMail(before))
  }
  deleteAccount(userId: number, mails: NewMail[], now: number): Promise<boolean> {
    return this.#run('deleteAccount', () => this.inner.deleteAccount(userId, mails, now))
  }
  updateUser(id: number, patch: UserPatch): Promise<boolean> {
    return this.#run('updateUser', () => this.inner.updateUser(id, patch))
  }
  deleteUser(id: number): Promise<boolean> {
    return this.#run('deleteUser', () => this.inner.deleteUser(id))
  }
  createSession(session: Session, token: RefreshRecord): Promise<void> {
    return this.#run('createSession', () => this.inner.createSession(session, token))
  }
  findSession(id: string): Promise<Session | null> {
    return this.#run('findSession', () => this.inner.findSession(id))
  }
  findRefresh(jti: string): Promise<RefreshRecord | null> {
    return this.#run('findRefresh', () => this.inner.findRefresh(jti))
  }
  rotateRefresh(parentJti: string, successor: RefreshRecord, now: number, seen: SessionSeen): Promise<RotateOutcome> {
    return this.#run('rotateRefresh', () => this.inner.rotateRefresh(parentJti, successor, now, seen))
  }
  touchSession(id: string, now: number, seen: SessionSeen): Promise<void> {
    return this.#run('touchSession', () => this.inner.touchSession(id, now, seen))
  }
  revokeSession(id: string, reason: string, now: number): Promise<boolean> {
    return this.#run('revokeSession', () => this.inner.revokeSession(id, reason, now))
  }
  revokeUserSessions(userId: number, reason: string, now: number, keep?: string): Promise<string[]> {
    return this.#run('revokeUserSessions', () => this.inner.revokeUserSessions(userId, reason, now, keep))
  }
  listSessions(userId: number, now: number): Promise<Session[]> {
    return this.#run('listSessions', () => this.inner.listSessions(userId, now))
  }
  revokedSince(since: number): Promise<{ id: string; revoked_at: number }[]> {
    return this.#run('revokedSince', () => this.inner.revokedSince(since))
  }
  flushExpired(now: number): Promise<number> {
    return this.#run('flushExpired', () => this.inner.flushExpired(now))
  }
  listSigningKeys(now: number): Promise<StoredKey[]> {
    return this.#run('listSigningKeys', () => this.inner.listSigningKeys(now))
  }
  addSigningKey(key: StoredKey, retireOthersAt: number): Promise<void> {
    return this.#run('addSigningKey', () => this.inner.addSigningKey(key, retireOthersAt))
  }
  updateSigningKeyPrivate(kid: string, privateKey: string): Promise<void> {
    return this.#run('updateSigningKeyPrivate', () => this.inner.updateSigningKeyPrivate(kid, privateKey))
  }
  findTotp(userId: number): Promise<TotpFactor | null> {
    return this.#run('findTotp', () => this.inner.findTotp(userId))
  }
  startTotp(userId: number, secret: string, now: number): Promise<boolean> {
    return this.#run('startTotp', () => this.inner.startTotp(userId, secret, now))
  }
  activateTotp(userId: number, secret: string, step: number, codeHashes: string[], mails: NewMail[], now: number): Promise<boolean> {
    return this.#run('activateTotp', () => this.inner.activateTotp(userId, secret, step, codeHashes, mails, now))
  }
  useTotpStep(userId: number, step: number): Promise<boolean> {
    return this.#run('useTotpStep', () => this.inner.useTotpStep(userId, step))
  }
  removeTotp(userId: number, mails: NewMail[], now: number): Promise<boolean> {
    return this.#run('removeTotp', () => this.inner.removeTotp(userId, mails, now))
  }
  listRecoveryCodes(userId: number): Promise<RecoveryCode[]> {
    return this.#run('listRecoveryCodes', () => this.inner.listRecoveryCodes(userId))
  }
  useRecoveryCode(id: number, mails: NewMail[], now: number): Promise<boolean> {
    return this.#run('useRecoveryCode', () => this.inner.useRecoveryCode(id, mails, now))
  }
  createPendingLogin(pending: PendingLogin): Promise<void> {
    return this.#run('createPendingLogin', () => this.inner.createPendingLogin(pending))
  }
  findPendingLogin(id: string): Promise<PendingLogin | null> {
    return this.#run('findPendingLogin', () => this.inner.findPendingLogin(id))
  }
  failPendingLogin(id: string): Promise<number> {
    return this.#run('failPendingLogin', () => this.inner.failPendingLogin(id))
  }
  consumePendingLogin(id: string): Promise<boolean> {
    return this.#run('consumePendingLogin', () => this.inner.consumePendingLogin(id))
  }
  listPasskeys(userId: number): Promise<PasskeyRecord[]> {
    return this.#run('listPasskeys', () => this.inner.listPasskeys(userId))
  }
  findPasskey(id: string): Promise<PasskeyRecord | null> {
    return this.#run('findPasskey', () => this.inner.findPasskey(id))
  }
  addPasskey(passkey: PasskeyRecord, mails: NewMail[], now: number): Promise<void> {
    return this.#run('addPasskey', () => this.inner.addPasskey(passkey, mails, now))
  }
  usePasskey(id: string, counter: number, now: number): Promise<boolean> {
    return this.#run('usePasskey', () => this.inner.usePasskey(id, counter, now))
  }
  removePasskeys(userId: number, id: string | null, mails: NewMail[], now: number): Promise<boolean> {
    return this.#run('removePasskeys', () => this.inner.removePasskeys(userId, id, mails, now))
  }
  createChallenge(challenge: WebAuthnChallenge, now: number): Promise<void> {
    return this.#run('createChallenge', () => this.inner.createChallenge(challenge, now))
  }
  takeChallenge(id: string): Promise<WebAuthnChallenge | null> {
    return this.#run('takeChallenge', () => this.inner.takeChallenge(id))
  }
  ping(): Promise<void> {
    return this.#run('ping', () => this.inner.ping())
  }
  close(): Promise<void> {
    return this.#run('close', () => this.inner.close())
  }
}
