import type { RateLimitSettings } from '../config/index.js'
import { RateLimitedError } from '../errors.js'
import type { Audit } from './context.js'
import { networkOf } from './network.js'
import { usernameKey } from './username.js'

/** Failure counters with an expiry; in memory here, in Redis when instances must share them. */
export interface CounterStore {
  /** Adds one to `key` (created with `ttlMs`) and returns the new count and when the first hit was. */
  hit(key: string, ttlMs: number, now: number): Promise<{ count: number; last: number }>
  /** The current count and the time of the last hit, or null. */
  peek(key: string, now: number): Promise<{ count: number; last: number } | null>
  reset(key: string): Promise<void>
}

export class MemoryCounters implements CounterStore {
  readonly #entries = new Map<string, { count: number; last: number; expires: number }>()

  async hit(key: string, ttlMs: number, now: number) {
    const entry = this.#entries.get(key)
    const next = entry && entry.expires > now ? { count: entry.count + 1, last: now, expires: now + ttlMs } : { count: 1, last: now, expires: now + ttlMs }
    this.#entries.set(key, next)
    if (this.#entries.size > 100_000) this.#prune(now)
    return next
  }

  async peek(key: string, now: number) {
    const entry = this.#entries.get(key)
    return entry && entry.expires > now ? entry : null
  }

  async reset(key: string) {
    this.#entries.delete(key)
  }

  #prune(now: number) {
    for (const [key, entry] of this.#entries) if (entry.expires <= now) this.#entries.delete(key)
  }
}

/**
 * Login throttling, in three layers (see README, "Login protection"):
 * - the pair IP+username: after `pairFreeAttempts` failures each further one doubles the wait, up to
 *   `pairMaxDelay` (an hour): a guesser on one address is stopped hard;
 * - the username alone, from any address: after `userFreeAttempts` failures the wait doubles up to
 *   `userMaxDelay` (a minute): a botnet is slowed, but cannot lock the owner out for long;
 * - the IP alone: at most `ipPerMinute` failed logins and refreshes, and registrations, per minute.
 *   Successes do not count: a busy office behind one NAT address is not throttled for logging in.
 *   Failed logins also count against the address's network (its /24 or /64), so hopping between
 *   neighbouring addresses gains nothing;
 * - the whole server: past `globalFailuresPerMinute` failed logins a minute (a spray from everywhere)
 *   every login waits `globalDelay` before its password is checked. Slowed, never refused: a refusal
 *   here would lock every user out.
 */
export class LoginLimiter {
  constructor(
    private readonly settings: RateLimitSettings,
    private readonly counters: CounterStore,
    private readonly now: () => number = Date.now,
    /** Every refusal is a `rate_limited` audit event. */
    private readonly audit: Audit = () => {},
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** The minute window in which the server-wide slowing was last reported (once a minute, not per login). */
  #slowedWindow = -1

  #refuse(retryAfter: number, fields: Record<string, unknown>): never {
    this.audit('rate_limited', { ...fields, retry_after: retryAfter })
    throw new RateLimitedError(retryAfter)
  }

  /**
   * Throws RateLimitedError while `ip` has used up this minute's budget for `action`; for logins also
   * while its network has, and waits `globalDelay` while the whole server is over its failure budget.
   */
  async checkIp(ip: string, action: string): Promise<void> {
    if (!this.settings.enabled) return
    const now = this.now()
    const window = Math.floor(now / 60_000)
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000))
    const entry = await this.counters.peek(`ip:${action}:${ip}:${window}`, now)
    if (entry && entry.count >= this.settings.ipPerMinute) this.#refuse(retryAfter, { ip, action })
    if (action !== 'login') return
    const network = networkOf(ip)
    if (network) {
      const budget = network.endsWith('/24') ? this.settings.ipv4SubnetPerMinute : this.settings.ipv6SubnetPerMinute
      const used = await this.counters.peek(`net:login:${network}:${window}`, now)
      if (used && used.count >= budget) this.#refuse(retryAfter, { ip, network, action })
    }
    const global = await this.counters.peek(`global:login:${window}`, now)
    if (global && global.count >= this.settings.globalFailuresPerMinute && this.settings.globalDelay > 0) {
      if (this.#slowedWindow !== window) {
        this.#slowedWindow = window
        this.audit('rate_limited', { action, scope: 'global', failures: global.count, delay_ms: this.settings.globalDelay })
      }
      await this.sleep(this.settings.globalDelay)
    }
  }

  /** Counts one attempt of `ip` against this minute's budget for `action` (a failed login: its network's and the server's too). */
  async recordIp(ip: string, action: string): Promise<void> {
    if (!this.settings.enabled) return
    const now = this.now()
    const window = Math.floor(now / 60_000)
    await this.counters.hit(`ip:${action}:${ip}:${window}`, 60_000, now)
    if (action !== 'login') return
    const network = networkOf(ip)
    if (network) await this.counters.hit(`net:login:${network}:${window}`, 60_000, now)
    await this.counters.hit(`global:login:${window}`, 60_000, now)
  }

  /** Throws RateLimitedError while the pair or the username is in its back-off. */
  async checkLogin(ip: string, username: string): Promise<void> {
    if (!this.settings.enabled) return
    const now = this.now()
    const wait = Math.max(
      this.#wait(await this.counters.peek(pairKey(ip, username), now), this.settings.pairFreeAttempts, this.settings.pairMaxDelay, now),
      this.#wait(await this.counters.peek(userKey(username), now), this.settings.userFreeAttempts, this.settings.userMaxDelay, now),
    )
    if (wait > 0) this.#refuse(Math.ceil(wait / 1000), { ip, username })
  }

  async recordFailure(ip: string, username: string): Promise<void> {
    if (!this.settings.enabled) return
    const now = this.now()
    await this.counters.hit(pairKey(ip, username), this.settings.pairMaxDelay * 2000 + 3_600_000, now)
    await this.counters.hit(userKey(username), this.settings.userMaxDelay * 2000 + 900_000, now)
  }

  /** `username` is the account's own: its key belongs to that account alone (unique in the store). */
  async recordSuccess(ip: string, username: string): Promise<void> {
    if (!this.settings.enabled) return
    await this.counters.reset(pairKey(ip, username))
    await this.counters.reset(userKey(username))
  }

  /** Milliseconds still to wait: 2^(failures - free) seconds after the last failure, capped. */
  #wait(entry: { count: number; last: number } | null, free: number, maxSeconds: number, now: number): number {
    if (!entry || entry.count < free) return 0
    const delay = Math.min(2 ** Math.min(entry.count - free, 30), maxSeconds) * 1000
    return Math.max(0, entry.last + delay - now)
  }
}

// The canonical key, the store's unique one: whatever case or width is typed, one name is one account's
// counters, and a success of another account (`Carol` next to `carol`) cannot reset them.
const pairKey = (ip: string, username: string) => `login:pair:${ip}:${usernameKey(username)}`
const userKey = (username: string) => `login:user:${usernameKey(username)}`
