import type { MfaStore, NewMail, PasskeyRecord, PendingLogin, RecoveryCode, TotpFactor, WebAuthnChallenge } from '../auth/index.js'
import { TesseraError } from '../errors.js'

const copy = <T extends object>(row: T | undefined): T | null => (row ? { ...row } : null)

/**
 * The second factors' tables in process memory (MemoryStore adds the rest). As there, every method runs to
 * completion without yielding, which makes each one atomic, and rows go in and out as copies.
 */
export abstract class MemoryMfaStore implements MfaStore {
  readonly #totp = new Map<number, TotpFactor>()
  readonly #codes = new Map<number, RecoveryCode>()
  readonly #pending = new Map<string, PendingLogin>()
  readonly #passkeys = new Map<string, PasskeyRecord>()
  readonly #challenges = new Map<string, WebAuthnChallenge>()
  #lastCodeId = 0

  /** Throws as a closed pool does once the store is closed. */
  protected abstract assertOpen(): void
  /** Queues rendered mail in the outbox (MemoryStore's). */
  protected abstract queueMails(mails: NewMail[], now: number): void

  /** What deleting a user takes with it (the schema's cascade). */
  protected dropFactorsOf(userId: number): void {
    this.#totp.delete(userId)
    for (const [id, code] of this.#codes) if (code.user_id === userId) this.#codes.delete(id)
    for (const [id, pending] of this.#pending) if (pending.user_id === userId) this.#pending.delete(id)
    for (const [id, passkey] of this.#passkeys) if (passkey.user_id === userId) this.#passkeys.delete(id)
    for (const [id, challenge] of this.#challenges) if (challenge.user_id === userId) this.#challenges.delete(id)
  }

  protected clearFactors(): void {
    for (const table of [this.#totp, this.#codes, this.#pending, this.#passkeys, this.#challenges]) table.clear()
  }

  async findTotp(userId: number): Promise<TotpFactor | null> {
    this.assertOpen()
    return copy(this.#totp.get(userId))
  }

  async startTotp(userId: number, secret: string, now: number): Promise<boolean> {
    this.assertOpen()
    if (this.#totp.get(userId)?.confirmed_at) return false
    this.#totp.set(userId, { user_id: userId, secret, confirmed_at: null, last_step: null, created_at: now })
    return true
  }

  async activateTotp(userId: number, secret: string, step: number, codeHashes: string[], mails: NewMail[], now: number): Promise<boolean> {
    this.assertOpen()
    const factor = this.#totp.get(userId)
    if (!factor || factor.confirmed_at !== null || factor.secret !== secret) return false
    Object.assign(factor, { confirmed_at: now, last_step: step })
    for (const [id, code] of this.#codes) if (code.user_id === userId) this.#codes.delete(id)
    for (const code_hash of codeHashes) {
      const id = ++this.#lastCodeId
      this.#codes.set(id, { id, user_id: userId, code_hash, used_at: null })
    }
    this.queueMails(mails, now)
    return true
  }

  async useTotpStep(userId: number, step: number): Promise<boolean> {
    this.assertOpen()
    const factor = this.#totp.get(userId)
    if (!factor || factor.confirmed_at === null || (factor.last_step !== null && factor.last_step >= step)) return false
    factor.last_step = step
    return true
  }

  async removeTotp(userId: number, mails: NewMail[], now: number): Promise<boolean> {
    this.assertOpen()
    if (!this.#totp.delete(userId)) return false
    for (const [id, code] of this.#codes) if (code.user_id === userId) this.#codes.delete(id)
    this.queueMails(mails, now)
    return true
  }

  async listRecoveryCodes(userId: number): Promise<RecoveryCode[]> {
    this.assertOpen()
    return [...this.#codes.values()].filter((c) => c.user_id === userId && c.used_at === null).map((c) => ({ ...c }))
  }

  async useRecoveryCode(id: number, mails: NewMail[], now: number): Promise<boolean> {
    this.assertOpen()
    const code = this.#codes.get(id)
    if (!code || code.used_at !== null) return false
    code.used_at = now
    this.queueMails(mails, now)
    return true
  }

  async createPendingLogin(pending: PendingLogin): Promise<void> {
    this.assertOpen()
    for (const [id, old] of this.#pending) if (old.expires_at <= pending.created_at) this.#pending.delete(id)
    this.#pending.set(pending.id, { ...pending })
  }

  async findPendingLogin(id: string): Promise<PendingLogin | null> {
    this.assertOpen()
    return copy(this.#pending.get(id))
  }

  async failPendingLogin(id: string): Promise<number> {
    this.assertOpen()
    const pending = this.#pending.get(id)
    if (!pending) return 0
    return ++pending.failures
  }

  async consumePendingLogin(id: string): Promise<boolean> {
    this.assertOpen()
    return this.#pending.delete(id)
  }

  async listPasskeys(userId: number): Promise<PasskeyRecord[]> {
    this.assertOpen()
    return [...this.#passkeys.values()].filter((p) => p.user_id === userId).sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1)).map((p) => ({ ...p }))
  }

  async findPasskey(id: string): Promise<PasskeyRecord | null> {
    this.assertOpen()
    return copy(this.#passkeys.get(id))
  }

  async addPasskey(passkey: PasskeyRecord, mails: NewMail[], now: number): Promise<void> {
    this.assertOpen()
    if (this.#passkeys.has(passkey.id)) throw new TesseraError('ERR_CONFLICT', 'already exists')
    this.#passkeys.set(passkey.id, { ...passkey })
    this.queueMails(mails, now)
  }

  async usePasskey(id: string, counter: number, now: number): Promise<boolean> {
    this.assertOpen()
    const passkey = this.#passkeys.get(id)
    if (!passkey || (counter === 0 ? passkey.counter !== 0 : passkey.counter >= counter)) return false
    Object.assign(passkey, { counter, last_used_at: now })
    return true
  }

  async removePasskeys(userId: number, id: string | null, mails: NewMail[], now: number): Promise<boolean> {
    this.assertOpen()
    const gone = [...this.#passkeys.values()].filter((p) => p.user_id === userId && (id === null || p.id === id))
    if (gone.length === 0) return false
    for (const passkey of gone) this.#passkeys.delete(passkey.id)
    this.queueMails(mails, now)
    return true
  }

  async createChallenge(challenge: WebAuthnChallenge, now: number): Promise<void> {
    this.assertOpen()
    for (const [id, old] of this.#challenges) if (old.expires_at <= now) this.#challenges.delete(id)
    this.#challenges.set(challenge.id, { ...challenge })
  }

  async takeChallenge(id: string): Promise<WebAuthnChallenge | null> {
    this.assertOpen()
    const challenge = copy(this.#challenges.get(id))
    this.#challenges.delete(id)
    return challenge
  }
}
