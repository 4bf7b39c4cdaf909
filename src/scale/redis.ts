import type { Redis } from 'ioredis'
import { Availability, type Log } from './availability.js'

export interface RedisSettings {
  url: string
  /** Milliseconds a command may take. */
  timeout: number
}

/** One Redis connection shared by the counters, the publisher and the readiness check. */
export interface RedisLink {
  client: Redis
  available: Availability
  /** A second connection for SUBSCRIBE (a subscribed connection can run nothing else). */
  duplicateForSubscribe(): Redis
  close(): Promise<void>
}

/** Reconnect soon, then every two seconds at most, for as long as the process lives. */
const retryStrategy = (attempt: number): number => Math.min(100 * 2 ** attempt, 2000)

/**
 * Connects to Redis without ever making a request wait for it: while it is away commands fail at once
 * (no offline queue) and callers fall back (memory counters, the catch-up read). Resolves when
 * connected or after `timeout`, whichever comes first; reconnection goes on in the background.
 */
export async function connectRedis(settings: RedisSettings, log: Log, onChange?: (up: boolean) => void): Promise<RedisLink> {
  // Loaded here, not at start: a single instance without Redis never loads ioredis.
  const { Redis: Client } = await import('ioredis')
  const client = new Client(settings.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: settings.timeout,
    connectTimeout: Math.max(settings.timeout, 1000),
    retryStrategy,
  })
  const available = new Availability('Redis', log, "rate-limit counters fall back to this instance's memory and revocations to the catch-up read", onChange)
  let closing = false
  client.on('ready', () => available.up())
  client.on('error', (error) => available.down(error))
  // A dropped connection says 'close' (no 'error' until a reconnection fails): warn at once.
  client.on('close', () => closing || available.down(new Error('connection closed')))
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    client.connect().catch((error: unknown) => available.down(error)),
    new Promise((resolve) => (timer = setTimeout(resolve, Math.max(settings.timeout, 1000)))),
  ])
  clearTimeout(timer)
  const subscribers = new Set<Redis>()
  return {
    client,
    available,
    duplicateForSubscribe() {
      // Unlike the command connection, SUBSCRIBE waits for the connection and is retried until it holds.
      const sub = client.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined, retryStrategy })
      sub.on('error', () => {}) // the command connection reports Redis's state
      subscribers.add(sub)
      return sub
    },
    async close() {
      closing = true
      for (const sub of subscribers) sub.disconnect()
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
      else client.disconnect()
    },
  }
}
