import type { NewMail } from '../auth/index.js'
import type { OutboxTable } from './schema.js'

/** pg returns bigint columns as numbers only with a type parser; this keeps both databases alike. */
export const numeric = <T extends object>(row: T, keys: readonly (keyof T)[]): T => {
  for (const key of keys) if (row[key] !== null && typeof row[key] === 'string') (row as Record<keyof T, unknown>)[key] = Number(row[key])
  return row
}

/** The outbox row a new message becomes. */
export const newMailRow = (mail: NewMail, now: number): Omit<OutboxTable, 'id'> => ({
  ...mail,
  status: 'queued',
  attempts: 0,
  created_at: now,
  next_attempt_at: now,
  claim_id: null,
  claimed_until: null,
  sent_at: null,
  last_error: null,
})
