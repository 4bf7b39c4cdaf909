import { StoreUnavailableError, TesseraError } from '../errors.js'

/** SQLite's and PostgreSQL's ways of saying "the database is not there or not answering right now". */
const UNAVAILABLE_SQLITE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|PROTOCOL)/
const UNAVAILABLE_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'])

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLITE.test(code) || UNAVAILABLE_NODE.has(code)) return true
    // PostgreSQL classes 08 (connection), 53 (resources), 57P (shutdown / cannot connect now), and
    // the transient ones a retry cures: 57014 (statement_timeout hit), 55P03 (lock_timeout),
    // 40001/40P01 (serialization failure, deadlock victim). A client should retry, not see a 500.
    if (/^(08|53|57P|57014|55P03|40001|40P01)/.test(code)) return true
  }
  return /timeout|Connection terminated|not queryable|Client was closed|connection is closed/i.test(error.message)
}

const isUniqueViolation = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/** Translates driver errors into Tessera's: unavailable → 503, unique violation → ERR_CONFLICT; others pass. */
export function translateError(error: unknown): unknown {
  if (error instanceof TesseraError) return error
  if (isUniqueViolation(error)) return new TesseraError('ERR_CONFLICT', 'already exists', { cause: error })
  if (isUnavailable(error)) return new StoreUnavailableError(error)
  return error
}
