import type { BusHandlers, RevocationBus } from './broadcast.js'
import type { RedisLink } from './redis.js'

/**
 * Revocations over Redis pub/sub. Publishing uses the shared command connection (it fails at once
 * while Redis is away); a second connection subscribes, and ioredis subscribes it again after every
 * reconnection, on which the catch-up read runs at once to repair what was missed. Without `handlers`
 * it only publishes.
 */
export function startRedisBus(redis: RedisLink, channel: string, handlers: BusHandlers | undefined): RevocationBus {
  const publish = async (payload: string) => {
    await redis.client.publish(channel, payload)
  }
  // Without handlers (a command that only sends), no second connection and no subscription.
  if (!handlers) return { kind: 'redis', publish, close: async () => {} }
  const sub = redis.duplicateForSubscribe()
  sub.on('message', (from: string, payload: string) => {
    if (from === channel) handlers.onMessage(payload)
  })
  let subscribed = false
  sub.on('ready', () => {
    if (subscribed) handlers.onReconnect()
  })
  sub.subscribe(channel).then(
    () => {
      subscribed = true
    },
    () => {}, // only on close
  )
  return {
    kind: 'redis',
    publish,
    async close() {
      sub.disconnect()
    },
  }
}
