import { sql, type CompiledQuery, type Kysely } from 'kysely'
import type { MfaStore, NewMail, PasskeyRecord, PendingLogin, RecoveryCode, TotpFactor, WebAuthnChallenge } from '../auth/index.js'
import { newMailRow, numeric } from './rows.js'
import type { Database } from './schema.js'

const TOTP_NUMBERS = ['confirmed_at', 'last_step', 'created_at'] as const
const PENDING_NUMBERS = ['created_at', 'expires_at', 'failures'] as const
const PASSKEY_NUMBERS = ['counter', 'created_at', 'last_used_at'] as const
const NOTHING_CHANGED = Symbol('nothing changed')

/**
 * The second factors' tables on SQLite and PostgreSQL. A change of several rows is a list of statements
 * that `atomically` runs as one transaction, so each engine commits it its own way (SqliteStore runs it
 * synchronously). KyselyStore adds the rest of the Store.
 */
export abstract class KyselyMfaStore implements MfaStore {
  constructor(readonly db: Kysely<Database>) {}

  /** Runs `steps` in one transaction; with `guarded` the first must change a row, else none is applied (false). */
  protected async atomically(steps: CompiledQuery[], guarded: boolean): Promise<boolean> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        for (const [index, step] of steps.entries()) {
          const result = await trx.executeQuery(step)
          if (index === 0 && guarded && Number(result.numAffectedRows ?? 0n) === 0) throw NOTHING_CHANGED
        }
        return true
      })
    } catch (error) {
      if (error === NOTHING_CHANGED) return false
      throw error
    }
  }

  #mails(mails: NewMail[], now: number): CompiledQuery[] {
    return mails.length > 0 ? [this.db.insertInto('mail_outbox').values(mails.map((m) => newMailRow(m, now))).compile()] : []
  }

  async findTotp(userId: number): Promise<TotpFactor | null> {
    const row = await this.db.selectFrom('auth_mfa_totp').selectAll().where('user_id', '=', userId).executeTakeFirst()
    return row ? numeric(row, TOTP_NUMBERS) : null
  }

  async startTotp(userId: number, secret: string, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('auth_mfa_totp')
      .values({ user_id: userId, secret, confirmed_at: null, last_step: null, created_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret, created_at: now, last_step: null }).where('auth_mfa_totp.confirmed_at', 'is', null))
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
  }

  activateTotp(userId: number, secret: string, step: number, codeHashes: string[], mails: NewMail[], now: number): Promise<boolean> {
    const db = this.db
    return this.atomically(
      [
        db.updateTable('auth_mfa_totp').set({ confirmed_at: now, last_step: step }).where('user_id', '=', userId).where('confirmed_at', 'is', null).where('secret', '=', secret).compile(),
        db.deleteFrom('auth_mfa_recovery_code').where('user_id', '=', userId).compile(),
        ...(codeHashes.length > 0 ? [db.insertInto('auth_mfa_recovery_code').values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null }))).compile()] : []),
        ...this.#mails(mails, now),
      ],
      true,
    )
  }

  async useTotpStep(userId: number, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_mfa_totp')
      .set({ last_step: step })
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  removeTotp(userId: number, mails: NewMail[], now: number): Promise<boolean> {
    const db = this.db
    return this.atomically([db.deleteFrom('auth_mfa_totp').where('user_id', '=', userId).compile(), db.deleteFrom('auth_mfa_recovery_code').where('user_id', '=', userId).compile(), ...this.#mails(mails, now)], true)
  }

  async listRecoveryCodes(userId: number): Promise<RecoveryCode[]> {
    const rows = await this.db.selectFrom('auth_mfa_recovery_code').selectAll().where('user_id', '=', userId).where('used_at', 'is', null).orderBy('id').execute()
    return rows.map((r) => numeric(r, ['id', 'used_at']))
  }

  useRecoveryCode(id: number, mails: NewMail[], now: number): Promise<boolean> {
    return this.atomically([this.db.updateTable('auth_mfa_recovery_code').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).compile(), ...this.#mails(mails, now)], true)
  }

  async createPendingLogin(pending: PendingLogin): Promise<void> {
    await this.db.deleteFrom('auth_mfa_pending').where('expires_at', '<=', pending.created_at).execute()
    await this.db.insertInto('auth_mfa_pending').values(pending).execute()
  }

  async findPendingLogin(id: string): Promise<PendingLogin | null> {
    const row = await this.db.selectFrom('auth_mfa_pending').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? numeric(row, PENDING_NUMBERS) : null
  }

  async failPendingLogin(id: string): Promise<number> {
    const row = await this.db.updateTable('auth_mfa_pending').set({ failures: sql`failures + 1` }).where('id', '=', id).returning('failures').executeTakeFirst()
    return row ? Number(row.failures) : 0
  }

  async consumePendingLogin(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('auth_mfa_pending').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async listPasskeys(userId: number): Promise<PasskeyRecord[]> {
    const rows = await this.db.selectFrom('auth_webauthn_credential').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute()
    return rows.map((r) => numeric(r, PASSKEY_NUMBERS))
  }

  async findPasskey(id: string): Promise<PasskeyRecord | null> {
    const row = await this.db.selectFrom('auth_webauthn_credential').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? numeric(row, PASSKEY_NUMBERS) : null
  }

  async addPasskey(passkey: PasskeyRecord, mails: NewMail[], now: number): Promise<void> {
    await this.atomically([this.db.insertInto('auth_webauthn_credential').values(passkey).compile(), ...this.#mails(mails, now)], false)
  }

  async usePasskey(id: string, counter: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_webauthn_credential')
      .set({ counter, last_used_at: now })
      .where('id', '=', id)
      .where('counter', counter === 0 ? '=' : '<', counter)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  removePasskeys(userId: number, id: string | null, mails: NewMail[], now: number): Promise<boolean> {
    let remove = this.db.deleteFrom('auth_webauthn_credential').where('user_id', '=', userId)
    if (id !== null) remove = remove.where('id', '=', id)
    return this.atomically([remove.compile(), ...this.#mails(mails, now)], true)
  }

  async createChallenge(challenge: WebAuthnChallenge, now: number): Promise<void> {
    await this.db.deleteFrom('auth_webauthn_challenge').where('expires_at', '<=', now).execute()
    await this.db.insertInto('auth_webauthn_challenge').values(challenge).execute()
  }

  async takeChallenge(id: string): Promise<WebAuthnChallenge | null> {
    const row = await this.db.deleteFrom('auth_webauthn_challenge').where('id', '=', id).returningAll().executeTakeFirst()
    return row ? numeric(row, ['user_id', 'expires_at']) : null
  }
}
