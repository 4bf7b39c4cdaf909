import type { RevocationList, SessionStore } from '../auth/index.js'
import { Availability, type Log } from './availability.js'
import { every, type Periodic } from './periodic.js'

/**
 * `revoked_at` is written with the revoking instance's clock, and a transaction may commit a little
 * after the time it wrote: each read looks this far behind the previous one so neither loses a row.
 */
const OVERLAP_MS = 60_000

export interface CatchUpDeps {
  store: Pick<SessionStore, 'revokedSince'>
  revocations: RevocationList
  /** How long an entry matters: the access lifetime plus leeway. */
  windowMs: number
  now: () => number
  log: Log
  /** Called with the number of revocations this read learned that the broadcast had not delivered. */
  onLearned?: (count: number) => void
}

/**
 * The periodic catch-up read: the sessions revoked since the last read go into the in-memory set.
 * It repairs whatever the broadcast missed (Redis down, a LISTEN connection lost, a revocation made
 * by the CLI), so a revocation reaches every instance within one interval at worst.
 */
export function startCatchUp(deps: CatchUpDeps, intervalMs: number, lastRead: number): Periodic {
  const database = new Availability('database (revocation catch-up)', deps.log, 'the catch-up read is retried on every interval')
  return every(intervalMs, async () => {
    const started = deps.now()
    try {
      const rows = await deps.store.revokedSince(Math.max(started - deps.windowMs, lastRead - OVERLAP_MS))
      let learned = 0
      for (const row of rows) {
        const known = deps.revocations.has(row.id)
        deps.revocations.add(row.id, row.revoked_at, false)
        if (!known && deps.revocations.has(row.id)) learned++
      }
      lastRead = started
      database.up()
      if (learned > 0) deps.onLearned?.(learned)
    } catch (error) {
      database.down(error)
    }
  })
}

/** `flushexpiredtokens` on a timer (FLUSH_EXPIRED_EVERY). Every instance may run it: the deletes are idempotent. */
export function startFlushTimer(flush: () => Promise<number>, intervalMs: number, log: Log): Periodic {
  const database = new Availability('database (expired-token flush)', log, 'the flush is retried on the next interval')
  return every(intervalMs, async () => {
    try {
      const removed = await flush()
      database.up()
      if (removed > 0) log.info(`flushed ${removed} expired refresh token(s)`)
    } catch (error) {
      database.down(error)
    }
  })
}
