import { MemoryCounters, type CounterStore } from '../auth/index.js'
import type { RedisLink } from './redis.js'

/**
 * Rate-limit counters in Redis, shared by every instance: a guesser who spreads attempts over the
 * instances behind a load balancer meets one budget, not one per instance. While Redis is away the
 * counters fall back to this instance's memory: the limits still hold per instance, and the login
 * path never waits for Redis.
 */
export class RedisCounters implements CounterStore {
  readonly #memory = new MemoryCounters()

  constructor(
    private readonly redis: RedisLink,
    private readonly prefix: string,
  ) {}

  async hit(key: string, ttlMs: number, now: number): Promise<{ count: number; last: number }> {
    if (this.#usable) {
      try {
        // One round trip, atomic: the count, the time of this hit, and the expiry slid forward, as
        // MemoryCounters does.
        const replies = await this.redis.client.multi().hincrby(this.#key(key), 'c', 1).hset(this.#key(key), 'l', now).pexpire(this.#key(key), Math.ceil(ttlMs)).exec()
        const count = Number(replies?.[0]?.[1])
        if (Number.isSafeInteger(count)) {
          this.redis.available.up()
          return { count, last: now }
        }
      } catch (error) {
        this.redis.available.down(error)
      }
    }
    const { count, last } = await this.#memory.hit(key, ttlMs, now)
    return { count, last }
  }

  async peek(key: string, now: number): Promise<{ count: number; last: number } | null> {
    if (this.#usable) {
      try {
        const [count, last] = await this.redis.client.hmget(this.#key(key), 'c', 'l')
        this.redis.available.up()
        return count === null || last === null ? null : { count: Number(count), last: Number(last) }
      } catch (error) {
        this.redis.available.down(error)
      }
    }
    const entry = await this.#memory.peek(key, now)
    return entry && { count: entry.count, last: entry.last }
  }

  async reset(key: string): Promise<void> {
    await this.#memory.reset(key)
    if (!this.#usable) return
    try {
      await this.redis.client.del(this.#key(key))
    } catch (error) {
      this.redis.available.down(error)
    }
  }

  /** Connected; a slow command that timed out marks Redis down until the next command succeeds. */
  get #usable(): boolean {
    return this.redis.client.status === 'ready'
  }

  #key(key: string): string {
    return `${this.prefix}rl:${key}`
  }
}
