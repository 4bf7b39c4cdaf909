import { RateLimitedError } from '../errors.js'
import type { Audit } from './context.js'
import type { CounterStore } from './rate-limit.js'

const HOUR = 3_600_000

/**
 * How many password-reset and confirmation mails one address may be sent per hour. Counted per address
 * typed, whether or not an account has it: a refusal then says nothing about who has an account, and
 * nobody can flood a stranger's inbox through Tessera.
 */
export class MailLimiter {
  constructor(
    private readonly settings: { enabled: boolean; perAddressPerHour: number },
    private readonly counters: CounterStore,
    private readonly now: () => number,
    private readonly audit: Audit,
  ) {}

  /** Counts one request for `email`, or throws RateLimitedError when this hour's budget is spent. */
  async take(action: string, email: string): Promise<void> {
    if (!this.settings.enabled) return
    const now = this.now()
    const window = Math.floor(now / HOUR)
    const key = `mail:${action}:${email.trim().toLowerCase()}:${window}`
    const entry = await this.counters.peek(key, now)
    if (entry && entry.count >= this.settings.perAddressPerHour) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * HOUR - now) / 1000))
      this.audit('rate_limited', { action, retry_after: retryAfter })
      throw new RateLimitedError(retryAfter)
    }
    await this.counters.hit(key, HOUR, now)
  }
}
