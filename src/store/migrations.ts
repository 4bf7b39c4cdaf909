import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { usernameKey } from '../auth/username.js'

export type Dialect = 'sqlite' | 'postgres'

/**
 * Migrations live in code, so a bundled CLI finds them. Each is written once for both databases;
 * only the auto-increment id differs.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer'
  return {
    '0001_initial': {
      // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on the schema type it builds (Kysely's advice)
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('auth_user')
          .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('username', 'varchar(150)', (c) => c.notNull().unique())
          .addColumn('email', 'varchar(254)', (c) => c.notNull().defaultTo(''))
          .addColumn('first_name', 'varchar(150)', (c) => c.notNull().defaultTo(''))
          .addColumn('last_name', 'varchar(150)', (c) => c.notNull().defaultTo(''))
          .addColumn('password', 'text')
          .addColumn('is_active', 'smallint', (c) => c.notNull().defaultTo(1))
          .addColumn('is_staff', 'smallint', (c) => c.notNull().defaultTo(0))
          .addColumn('is_superuser', 'smallint', (c) => c.notNull().defaultTo(0))
          .addColumn('date_joined', big, (c) => c.notNull())
          .addColumn('last_login', big)
          .execute()
        // No foreign key to auth_user: a deleted user's revoked sessions must outlive the user for as
        // long as their access tokens could, so every instance keeps refusing them.
        await db.schema
          .createTable('auth_session')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('last_used_at', big, (c) => c.notNull())
          .addColumn('user_agent', 'varchar(512)', (c) => c.notNull().defaultTo(''))
          .addColumn('ip', 'varchar(64)', (c) => c.notNull().defaultTo(''))
          .addColumn('expires_at', big, (c) => c.notNull())
          .addColumn('revoked_at', big)
          .addColumn('revoke_reason', 'varchar(64)')
          .execute()
        await db.schema.createIndex('auth_session_user_id').on('auth_session').column('user_id').execute()
        await db.schema.createIndex('auth_session_revoked_at').on('auth_session').column('revoked_at').execute()
        await db.schema.createIndex('auth_session_expires_at').on('auth_session').column('expires_at').execute()
        await db.schema
          .createTable('auth_refresh_token')
          .addColumn('jti', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('session_id', 'varchar(64)', (c) => c.notNull().references('auth_session.id').onDelete('cascade'))
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('parent_jti', 'varchar(64)')
          .addColumn('issued_at_s', big, (c) => c.notNull())
          .addColumn('expires_at_s', big, (c) => c.notNull())
          .addColumn('used_at', big)
          .addColumn('successor_jti', 'varchar(64)')
          .addColumn('revoked_at', big)
          .execute()
        await db.schema.createIndex('auth_refresh_token_session_id').on('auth_refresh_token').column('session_id').execute()
        await db.schema.createIndex('auth_refresh_token_expires_at_s').on('auth_refresh_token').column('expires_at_s').execute()
        await db.schema
          .createTable('auth_signing_key')
          .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('algorithm', 'varchar(16)', (c) => c.notNull())
          .addColumn('private_key', 'text', (c) => c.notNull())
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('retires_at', big)
          .execute()
      },
      // biome-ignore lint/suspicious/noExplicitAny: as for `up`
      async down(db: Kysely<any>) {
        for (const table of ['auth_signing_key', 'auth_refresh_token', 'auth_session', 'auth_user']) await db.schema.dropTable(table).ifExists().execute()
      },
    },
    '0002_username_key': {
      // Usernames become unique without regard to case or width (src/auth/username.ts). The key is
      // computed here, in code, so that it is the same function on every database. Where existing names
      // collide, the oldest account (lowest id) takes the key and the others keep none: nothing is merged,
      // they cannot log in until renamed, and every migrate run reports them (see usernameCollisions).
      // biome-ignore lint/suspicious/noExplicitAny: as for 0001
      async up(db: Kysely<any>) {
        await db.schema.alterTable('auth_user').addColumn('username_key', 'text').execute()
        const rows: { id: number; username: string }[] = await db.selectFrom('auth_user').select(['id', 'username']).orderBy('id').execute()
        const taken = new Set<string>()
        const keyed: { id: number; key: string }[] = []
        for (const row of rows) {
          const key = usernameKey(row.username)
          if (taken.has(key)) continue
          taken.add(key)
          keyed.push({ id: Number(row.id), key })
        }
        for (let i = 0; i < keyed.length; i += 500) {
          const batch = keyed.slice(i, i + 500)
          const cases = sql.join(batch.map((r) => sql`when ${r.id} then ${r.key}`), sql` `)
          await sql`update auth_user set username_key = case id ${cases} end where id in (${sql.join(batch.map((r) => r.id))})`.execute(db)
        }
        // (PostgreSQL already calls the unique constraint on `username` auth_user_username_key.)
        await db.schema.createIndex('auth_user_username_key_uniq').on('auth_user').column('username_key').unique().execute()
      },
      // biome-ignore lint/suspicious/noExplicitAny: as for `up`
      async down(db: Kysely<any>) {
        await db.schema.dropIndex('auth_user_username_key_uniq').execute()
        await db.schema.alterTable('auth_user').dropColumn('username_key').execute()
      },
    },
    '0003_session_client': {
      // Which client last used a session (Session.client_key). Existing sessions get '': they keep the
      // grace window, bound to their User-Agent, until their next refresh records a key.
      // biome-ignore lint/suspicious/noExplicitAny: as for 0001
      async up(db: Kysely<any>) {
        await db.schema.alterTable('auth_session').addColumn('client_key', 'varchar(64)', (c) => c.notNull().defaultTo('')).execute()
      },
      // biome-ignore lint/suspicious/noExplicitAny: as for `up`
      async down(db: Kysely<any>) {
        await db.schema.alterTable('auth_session').dropColumn('client_key').execute()
      },
    },
    '0004_mail': {
      // Email: the verified flag of an address (allauth's EmailAddress.verified), a case-blind index for
      // password reset's `email__iexact`, and the outbox that a message commits into with its change.
      // biome-ignore lint/suspicious/noExplicitAny: as for 0001
      async up(db: Kysely<any>) {
        await db.schema.alterTable('auth_user').addColumn('email_verified', 'smallint', (c) => c.notNull().defaultTo(0)).execute()
        await sql`create index auth_user_email_lower on auth_user (lower(email))`.execute(db)
        await db.schema
          .createTable('mail_outbox')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('to_address', 'varchar(254)', (c) => c.notNull())
          // No foreign key: deleting an account deletes its rows explicitly (deleteAccount), and the
          // notice of that deletion is a row about nobody.
          .addColumn('user_id', 'integer')
          .addColumn('kind', 'varchar(64)', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('text_body', 'text', (c) => c.notNull())
          .addColumn('html_body', 'text', (c) => c.notNull())
          .addColumn('status', 'varchar(8)', (c) => c.notNull().defaultTo('queued'))
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('next_attempt_at', big, (c) => c.notNull())
          .addColumn('claim_id', 'varchar(32)')
          .addColumn('claimed_until', big)
          .addColumn('sent_at', big)
          .addColumn('last_error', 'text')
          .execute()
        await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute()
        await db.schema.createIndex('mail_outbox_user_id').on('mail_outbox').column('user_id').execute()
      },
      // biome-ignore lint/suspicious/noExplicitAny: as for `up`
      async down(db: Kysely<any>) {
        await db.schema.dropTable('mail_outbox').ifExists().execute()
        await db.schema.dropIndex('auth_user_email_lower').execute()
        await db.schema.alterTable('auth_user').dropColumn('email_verified').execute()
      },
    },
    '0005_user_not_before': {
      // A user's "not before" time (revokeUserSessions): session-less SimpleJWT tokens issued at or
      // before it are refused, as session tokens are by their revoked session.
      // biome-ignore lint/suspicious/noExplicitAny: as for 0001
      async up(db: Kysely<any>) {
        await db.schema.alterTable('auth_user').addColumn('tokens_not_before', big).execute()
      },
      // biome-ignore lint/suspicious/noExplicitAny: as for `up`
      async down(db: Kysely<any>) {
        await db.schema.alterTable('auth_user').dropColumn('tokens_not_before').execute()
      },
    },
    '0006_mfa': {
      // Second factors: a TOTP secret (sealed) per user with the last time step used, the recovery codes
      // (argon2 hashes), the logins that wait for their second factor, and passkeys. They go with their user.
      // biome-ignore lint/suspicious/noExplicitAny: as for 0001
      async up(db: Kysely<any>) {
        const user = (c: ColumnDefinitionBuilder) => c.notNull().references('auth_user.id').onDelete('cascade')
        await db.schema
          .createTable('auth_mfa_totp')
          .addColumn('user_id', 'integer', (c) => user(c).primaryKey())
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('confirmed_at', big)
          .addColumn('last_step', big)
          .addColumn('created_at', big, (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('auth_mfa_recovery_code')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('user_id', 'integer', user)
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('used_at', big)
          .execute()
        await db.schema.createIndex('auth_mfa_recovery_code_user_id').on('auth_mfa_recovery_code').column('user_id').execute()
        await db.schema
          .createTable('auth_mfa_pending')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', user)
          .addColumn('client_key', 'varchar(64)', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('expires_at', big, (c) => c.notNull())
          .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
          .execute()
        await db.schema.createIndex('auth_mfa_pending_expires_at').on('auth_mfa_pending').column('expires_at').execute()
        // Passkeys (WebAuthn credentials: the id and COSE public key base64url) and their single-use challenges.
        await db.schema
          .createTable('auth_webauthn_credential')
          .addColumn('id', 'varchar(1400)', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', user)
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('counter', big, (c) => c.notNull().defaultTo(0))
          .addColumn('transports', 'varchar(255)', (c) => c.notNull().defaultTo(''))
          .addColumn('name', 'varchar(64)', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('last_used_at', big)
          .execute()
        await db.schema.createIndex('auth_webauthn_credential_user_id').on('auth_webauthn_credential').column('user_id').execute()
        await db.schema
          .createTable('auth_webauthn_challenge')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('challenge', 'varchar(128)', (c) => c.notNull())
          .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.references('auth_user.id').onDelete('cascade'))
          .addColumn('client_key', 'varchar(64)', (c) => c.notNull())
          .addColumn('expires_at', big, (c) => c.notNull())
          .execute()
        await db.schema.createIndex('auth_webauthn_challenge_expires_at').on('auth_webauthn_challenge').column('expires_at').execute()
      },
      // biome-ignore lint/suspicious/noExplicitAny: as for `up`
      async down(db: Kysely<any>) {
        for (const table of ['auth_webauthn_challenge', 'auth_webauthn_credential', 'auth_mfa_pending', 'auth_mfa_recovery_code', 'auth_mfa_totp']) await db.schema.dropTable(table).ifExists().execute()
      },
    },
  }
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) }
}
