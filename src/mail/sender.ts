import { Counter, Gauge, type Registry } from 'prom-client'
import type { OutboxMessage, Store } from '../auth/index.js'
import type { EmailSettings } from '../config/index.js'
import { every, type Periodic } from '../scale/periodic.js'
import { isPermanent, type MailTransport, type SendError } from './transport.js'

/** What `/readyz` says of mail: the last attempt's outcome (`unknown` before the first). */
export type MailState = 'ok' | 'unavailable' | 'unknown' | 'not configured'

export interface MailSender {
  /** Drains the due messages now (or once more after the current run). */
  runNow(): Promise<void>
  readonly state: MailState
  stop(): Promise<void>
}

export interface SenderDeps {
  store: Store
  transport: MailTransport
  settings: EmailSettings
  now: () => number
  log: { warn(message: string): void }
  registry?: Registry
}

const BATCH = 20
/** Sent messages are kept this long (the development mailbox lists them, `tessera outbox` counts them). */
const SENT_RETENTION_MS = 7 * 86_400_000
const PURGE_EVERY_MS = 3_600_000

/** The wait before attempt `attempts + 1`: retryDelay, doubled after each failure, capped. */
export const backoff = (settings: Pick<EmailSettings, 'retryDelay' | 'retryMaxDelay'>, attempts: number): number =>
  Math.min(settings.retryDelay * 2 ** Math.min(attempts, 30), settings.retryMaxDelay)

/**
 * The one sender of an instance: claims due messages (a lease, so on many instances each message has
 * one sender at a time), sends them, and records the outcome. The lease outlasts every SMTP timeout, so
 * no claim runs out while its sender may still get a successful answer: that is what keeps a message
 * from being sent twice. Times come from the injected clock; the timer only paces the looks.
 */
export function startMailSender({ store, transport, settings, now, log, registry }: SenderDeps): MailSender {
  let state: MailState = 'unknown'
  // connect + greeting + each command may take `timeout`; a message has a handful of commands.
  const leaseMs = settings.timeout * 6 + 10_000
  const registers = registry ? [registry] : []
  const deliveries = new Counter({ name: 'tessera_mail_deliveries_total', help: 'Delivery attempts by outcome (sent, retry, dead)', labelNames: ['outcome'] as const, registers })
  new Gauge({
    name: 'tessera_mail_messages',
    help: 'Messages in the outbox by status (queued, sent, dead)',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      try {
        const counts = await store.mailCounts()
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n)
      } catch {
        // The database is away: /readyz says so; the scrape keeps the last values.
      }
    },
  })
  let lastPurge = 0

  async function deliver(message: OutboxMessage): Promise<void> {
    try {
      await transport.send({ from: settings.from, to: message.to_address, subject: message.subject, text: message.text_body, html: message.html_body, messageId: `<outbox-${message.id}-${message.created_at}@tessera>` })
    } catch (error) {
      const failure = error as SendError
      const permanent = isPermanent(failure)
      if (!permanent) state = 'unavailable'
      const dead = permanent || message.attempts + 1 >= settings.maxAttempts
      const reason = `${failure.responseCode ?? failure.code ?? 'error'}: ${failure.message}`
      await store.markMailFailed(message.id, message.claim_id!, reason, dead ? null : now() + backoff(settings, message.attempts))
      deliveries.inc({ outcome: dead ? 'dead' : 'retry' })
      log.warn(`mail ${message.id} (${message.kind}) ${dead ? 'is dead' : 'failed, will retry'} after attempt ${message.attempts + 1}: ${reason}`)
      return
    }
    state = 'ok'
    deliveries.inc({ outcome: 'sent' })
    // The server has the message: recording that must not fail on one hiccup, or the lease would
    // run out and another attempt would send it again.
    for (let attempt = 0; ; attempt++) {
      try {
        await store.markMailSent(message.id, message.claim_id!, now())
        return
      } catch (error) {
        if (attempt >= 4) throw error
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt))
      }
    }
  }

  async function drain(): Promise<void> {
    for (;;) {
      const batch = await store.claimMail(now(), leaseMs, BATCH)
      for (const message of batch) await deliver(message)
      if (batch.length < BATCH) break
    }
    if (now() - lastPurge >= PURGE_EVERY_MS) {
      lastPurge = now()
      await store.purgeSentMail(now() - SENT_RETENTION_MS)
    }
  }

  const job: Periodic = every(settings.pollInterval, async () => {
    try {
      await drain()
    } catch (error) {
      log.warn(`mail sender: the outbox could not be read (${(error as Error).message}); retrying at the next look`)
    }
  })
  if (transport.kind === 'smtp') {
    transport.verify().then(
      () => {
        if (state === 'unknown') state = 'ok'
      },
      (error: unknown) => {
        state = 'unavailable'
        log.warn(`mail server unreachable at start (${(error as Error).message}); mail stays queued in the outbox`)
      },
    )
  } else {
    state = 'ok'
  }
  void job.runNow()
  return {
    runNow: () => job.runNow(),
    get state() {
      return state
    },
    async stop() {
      await job.stop()
      transport.close()
    },
  }
}
