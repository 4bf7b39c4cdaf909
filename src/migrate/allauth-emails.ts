/**
 * django-allauth's email addresses (`account_emailaddress`), read beside the users when the table exists:
 * which address is a user's primary one, and whether it was confirmed.
 */
import type { Database } from 'better-sqlite3'
import type { Client } from 'pg'
import { TesseraError } from '../errors.js'

/** allauth's table: its app label is `account`, its model `EmailAddress`. */
export const ALLAUTH_TABLE = 'account_emailaddress'
const COLUMNS = ['user_id', 'email', 'verified', 'primary'] as const

/** One row of `account_emailaddress`. */
export interface AllauthAddress {
  user_id: number
  email: string
  verified: boolean
  primary: boolean
}

/** What allauth says of one user: the address to keep and whether it is verified. */
export interface AllauthEmail {
  email: string
  verified: boolean
}

const toBool = (value: unknown): boolean => value === true || value === 1 || value === 1n || value === '1' || value === 't' || value === 'true'

function checkColumns(present: readonly string[], where: string): boolean {
  if (present.length === 0) return false
  const missing = COLUMNS.filter((c) => !present.includes(c))
  if (missing.length > 0) throw new TesseraError('ERR_VALIDATION', `${where}: table ${ALLAUTH_TABLE} has no column ${missing.join(', ')}: not django-allauth's EmailAddress table`)
  return true
}

const toAddress = (row: Record<string, unknown>): AllauthAddress => ({ user_id: Number(row.user_id), email: String(row.email ?? ''), verified: toBool(row.verified), primary: toBool(row.primary) })
const SELECT = `select ${COLUMNS.map((c) => `"${c}"`).join(', ')} from "${ALLAUTH_TABLE}" order by "id"`

/** The rows, or null when the SQLite database has no allauth table. */
export function readAllauthSqlite(db: Database, where: string): AllauthAddress[] | null {
  const present = (db.prepare('select name from pragma_table_info(?)').all(ALLAUTH_TABLE) as { name: string }[]).map((r) => r.name)
  if (!checkColumns(present, where)) return null
  return (db.prepare(SELECT).all() as Record<string, unknown>[]).map(toAddress)
}

/** The rows, or null when the PostgreSQL database has no allauth table on its search_path. */
export async function readAllauthPostgres(client: Client, where: string): Promise<AllauthAddress[] | null> {
  const { rows: found } = await client.query<{ name: string }>(
    'select a.attname as name from pg_attribute a where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped',
    [`"${ALLAUTH_TABLE}"`],
  )
  if (!checkColumns(found.map((r) => r.name), where)) return null
  return (await client.query<Record<string, unknown>>(SELECT)).rows.map(toAddress)
}

/**
 * Each user's address as allauth sees it: the primary one (allauth mails that one, and keeps it in
 * `auth_user.email`; where the two drifted apart, allauth's wins), else the row for the user's own email
 * compared without case (allauth's `email__iexact`). A user with neither has nothing here.
 */
export function allauthEmails(users: readonly { id: number; email: string }[], rows: readonly AllauthAddress[]): Map<number, AllauthEmail> {
  const byUser = new Map<number, AllauthAddress[]>()
  for (const row of rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row])
  const out = new Map<number, AllauthEmail>()
  for (const user of users) {
    const own = byUser.get(user.id) ?? []
    const chosen = own.find((r) => r.primary) ?? own.find((r) => user.email !== '' && r.email.toLowerCase() === user.email.toLowerCase())
    if (chosen) out.set(user.id, { email: chosen.primary ? chosen.email : user.email, verified: chosen.verified })
  }
  return out
}
