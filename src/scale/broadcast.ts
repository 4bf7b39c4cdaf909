import type { RevocationList } from '../auth/index.js'
import type { Log } from './availability.js'

/** Carries revocations between instances (Redis pub/sub or PostgreSQL LISTEN/NOTIFY). */
export interface RevocationBus {
  readonly kind: 'redis' | 'postgres'
  /** Fire and forget: a lost message is repaired by the catch-up read. */
  publish(payload: string): Promise<void>
  close(): Promise<void>
}

export interface BusHandlers {
  onMessage(payload: string): void
  /** The bus (re)connected: messages sent while it was away are lost, so read the database now. */
  onReconnect(): void
}

export interface RevocationMessage {
  sid: string
  at: number
  /** The sending instance, which ignores its own messages. */
  from: string
}

/** A session id, or a user's entry for session-less tokens (userRevocationKey). */
const SESSION_ID = /^(?:[A-Za-z0-9_-]{1,64}|user:[1-9][0-9]{0,9})$/

export const encodeRevocation = (message: RevocationMessage): string => JSON.stringify([message.sid, message.at, message.from])

/**
 * Parses a message from the bus; anything malformed is dropped. A message can only add an entry to the
 * revoked set (fail closed), and its time is clamped to the receiver's clock so an entry cannot be
 * made to outlive the access lifetime.
 */
export function decodeRevocation(payload: string, now: number): RevocationMessage | null {
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return null
  }
  if (!Array.isArray(value) || value.length !== 3) return null
  const [sid, at, from] = value as unknown[]
  if (typeof sid !== 'string' || !SESSION_ID.test(sid) || typeof at !== 'number' || !Number.isFinite(at) || typeof from !== 'string') return null
  return { sid, at: Math.min(at, now), from }
}

export interface LinkOptions {
  instanceId: string
  now: () => number
  log: Log
  /** A message brought a revocation this instance did not know yet. */
  onLearned?: () => void
}

/**
 * Joins the revoked-session set to a bus: local revocations go out, others' come in. Returns
 * the message handler for the bus and `flush()`, which waits for messages still being sent.
 */
export function linkRevocations(revocations: RevocationList, options: LinkOptions) {
  let bus: RevocationBus | undefined
  const pending = new Set<Promise<void>>()
  revocations.onRevoke((sid, at) => {
    if (!bus) return
    const sent = bus
      .publish(encodeRevocation({ sid, at, from: options.instanceId }))
      .catch(() => {}) // the bus reports its own state; the catch-up read repairs the loss
      .finally(() => pending.delete(sent))
    pending.add(sent)
  })
  return {
    attach(target: RevocationBus) {
      bus = target
    },
    receive(payload: string) {
      const message = decodeRevocation(payload, options.now())
      if (!message || message.from === options.instanceId) return
      const known = revocations.has(message.sid)
      revocations.add(message.sid, message.at, false)
      if (!known && revocations.has(message.sid)) options.onLearned?.()
    },
    async flush() {
      await Promise.allSettled([...pending])
    },
  }
}
