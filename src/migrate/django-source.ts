/**
 * Reads the users of a Django project's database (`django.contrib.auth`'s `auth_user`, or a custom
 * user model's table with the same columns), on SQLite or PostgreSQL, read-only; with django-allauth's
 * email addresses when the project has them.
 */
import { existsSync } from 'node:fs'
import { TesseraError } from '../errors.js'
import { allauthEmails, readAllauthPostgres, readAllauthSqlite, type AllauthAddress } from './allauth-emails.js'

/** One row of `auth_user`, with Django's column names; times in milliseconds since the epoch. */
export interface DjangoUser {
  id: number
  username: string
  /** Django's encoded hash, as stored (`pbkdf2_sha256$…`, `argon2$…`, `!…` for unusable). */
  password: string
  email: string
  first_name: string
  last_name: string
  is_active: boolean
  is_staff: boolean
  is_superuser: boolean
  date_joined: number
  last_login: number | null
  /**
   * django-allauth's verified flag of the user's address (account_emailaddress); null when the database
   * has no such table or no row for the user. With a primary address there, `email` is that address.
   */
  email_verified: boolean | null
}

export interface DjangoSourceOptions {
  /** The user table: `auth_user`, or a custom AUTH_USER_MODEL's table (e.g. `accounts_user`). */
  table?: string
  /** Milliseconds since the epoch, for a table without `date_joined`. */
  now?: number
}

const REQUIRED = ['id', 'username', 'password'] as const
const OPTIONAL = ['email', 'first_name', 'last_name', 'is_active', 'is_staff', 'is_superuser', 'date_joined', 'last_login'] as const
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** `--from`: a postgres:// URL, or a SQLite file (a path or `sqlite:` URL) that must already exist. */
export function describeSource(from: string): { kind: 'sqlite' | 'postgres'; location: string; display: string } {
  if (/^postgres(ql)?:\/\//i.test(from)) return { kind: 'postgres', location: from, display: from.replace(/\/\/[^@/]*@/, '//***@') }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from) && !/^(sqlite|file):/i.test(from)) {
    throw new TesseraError('ERR_VALIDATION', `--from must be a SQLite file or a postgres:// URL (got '${from.replace(/\/\/[^@/]*@/, '//***@')}')`)
  }
  const path = from.replace(/^(sqlite|file):(\/\/)?/i, '')
  if (!existsSync(path)) throw new TesseraError('ERR_VALIDATION', `--from: no such SQLite file '${path}'`)
  return { kind: 'sqlite', location: path, display: path }
}

/**
 * Django on SQLite writes datetimes as text in UTC (`2021-03-04 05:06:07.123456`, USE_TZ=True);
 * an offset, when a hand-made row has one, is honoured. Sub-millisecond digits are dropped.
 */
export function parseDjangoTimestamp(value: unknown, column: string): number | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number') return Math.floor(value)
  const match = typeof value === 'string' && /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim())
  if (!match) throw new TesseraError('ERR_VALIDATION', `${column}: not a Django datetime: '${String(value)}'`)
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone = 'Z'] = match
  let ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s, +frac.padEnd(3, '0').slice(0, 3))
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
  }
  if (!Number.isFinite(ms)) throw new TesseraError('ERR_VALIDATION', `${column}: not a Django datetime: '${String(value)}'`)
  return ms
}

/** SQLite stores Django's booleans as 0/1, PostgreSQL as booleans. */
const toBool = (value: unknown): boolean => value === true || value === 1 || value === 1n || value === '1' || value === 't' || value === 'true'

function toDjangoUser(row: Record<string, unknown>, now: number): DjangoUser {
  const id = Number(row.id)
  if (!Number.isSafeInteger(id) || id < 1) throw new TesseraError('ERR_VALIDATION', `a user row has an id Tessera cannot keep: '${String(row.id)}'`)
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v))
  return {
    id,
    username: text(row.username),
    password: text(row.password),
    email: text(row.email),
    first_name: text(row.first_name),
    last_name: text(row.last_name),
    is_active: 'is_active' in row ? toBool(row.is_active) : true,
    is_staff: toBool(row.is_staff),
    is_superuser: toBool(row.is_superuser),
    date_joined: parseDjangoTimestamp(row.date_joined, 'date_joined') ?? now,
    last_login: parseDjangoTimestamp(row.last_login, 'last_login'),
    email_verified: null,
  }
}

/** The users with what allauth's rows say of their address (none when there is no allauth table). */
function withAllauth(users: DjangoUser[], addresses: AllauthAddress[] | null): DjangoUser[] {
  if (addresses === null) return users
  const emails = allauthEmails(users, addresses)
  return users.map((user) => {
    const found = emails.get(user.id)
    return found ? { ...user, email: found.email, email_verified: found.verified } : user
  })
}

/** The columns to select, or a one-line error naming what is missing. */
function pickColumns(present: readonly string[], table: string, where: string): string[] {
  if (present.length === 0) {
    throw new TesseraError('ERR_NOT_FOUND', `${where} has no ${table} table: is it a Django database on which \`manage.py migrate\` has run (or is the user table another one: --table)?`)
  }
  const missing = REQUIRED.filter((c) => !present.includes(c))
  if (missing.length > 0) throw new TesseraError('ERR_VALIDATION', `${where}: table ${table} has no column ${missing.join(', ')}: not a Django user table`)
  return [...REQUIRED, ...OPTIONAL.filter((c) => present.includes(c))]
}

async function readSqlite(path: string, table: string, now: number): Promise<DjangoUser[]> {
  const { default: SQLite } = await import('better-sqlite3')
  let db: InstanceType<typeof SQLite>
  try {
    db = new SQLite(path, { readonly: true, fileMustExist: true })
  } catch (error) {
    throw new TesseraError('ERR_VALIDATION', `--from: cannot open '${path}' as SQLite: ${(error as Error).message}`, { cause: error })
  }
  try {
    let present: string[]
    try {
      present = (db.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name)
    } catch (error) {
      // "file is not a database" and friends surface on the first read.
      throw new TesseraError('ERR_VALIDATION', `--from: '${path}' is not a SQLite database: ${(error as Error).message}`, { cause: error })
    }
    const columns = pickColumns(present, table, path)
    const rows = db.prepare(`select ${columns.map((c) => `"${c}"`).join(', ')} from "${table}" order by "id"`).all() as Record<string, unknown>[]
    return withAllauth(rows.map((row) => toDjangoUser(row, now)), readAllauthSqlite(db, path))
  } finally {
    db.close()
  }
}

async function readPostgres(url: string, display: string, table: string, now: number): Promise<DjangoUser[]> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  // Without a listener, a connection dropped mid-read is an uncaught 'error' event.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    throw new TesseraError('ERR_STORE_UNAVAILABLE', `--from: cannot connect to ${display}: ${(error as Error).message}`, { cause: error })
  }
  try {
    // The table as Django's connection would find it: first match on the search_path.
    const { rows: found } = await client.query<{ name: string }>(
      `select a.attname as name from pg_attribute a where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped`,
      [`"${table}"`],
    )
    const columns = pickColumns(found.map((r) => r.name), table, display)
    // extract(epoch) reads timestamptz as an instant and a naive timestamp (USE_TZ=False) as UTC,
    // independent of this process's time zone.
    const select = columns.map((c) => (c === 'date_joined' || c === 'last_login' ? `floor(extract(epoch from "${c}") * 1000)::float8 as "${c}"` : `"${c}"`))
    const { rows } = await client.query<Record<string, unknown>>(`select ${select.join(', ')} from "${table}" order by "id"`)
    return withAllauth(rows.map((row) => toDjangoUser(row, now)), await readAllauthPostgres(client, display))
  } finally {
    await client.end().catch(() => {})
  }
}

/** Every user of the Django database at `from`, ordered by id. Throws a one-line TesseraError. */
export async function readDjangoUsers(from: string, options: DjangoSourceOptions = {}): Promise<DjangoUser[]> {
  const table = options.table ?? 'auth_user'
  if (!TABLE_NAME.test(table)) throw new TesseraError('ERR_VALIDATION', `--table must be a plain table name such as auth_user (got '${table}')`)
  const now = options.now ?? Date.now()
  const source = describeSource(from)
  return source.kind === 'sqlite' ? readSqlite(source.location, table, now) : readPostgres(source.location, source.display, table, now)
}
