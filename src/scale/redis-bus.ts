import type { BusHandlers, RevocationBus } from './broadcast.js'
import type { RedisLink } from './redis.js'

/**
 * Revocations over Redis pub/sub. Publishing uses the shared command connection (it fails at once
 * while Redis is away); a second connection subscribes, and ioredis subscribes it again after every
 * reconnection, on which the catch-up read runs at once to repair what was missed.
 */
export function startRedisBus(redis: RedisLink, channel: string, handlers: BusHandlers): RevocationBus {
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
    async publish(payload) {
      await redis.client.publish(channel, payload)
    },
    async close() {
      sub.disconnect()
    },
  }
}
