import { randomBytes } from 'node:crypto'
import { loadKeyRing, type AuthService, type Store } from '../auth/index.js'
import type { Config } from '../config/index.js'
import { startMailSender, type MailSender, type MailTransport } from '../mail/index.js'
import { parseDatabaseUrl } from '../store/index.js'
import { isHmac, type TokenService } from '../tokens/index.js'
import { Availability, type Log } from './availability.js'
import { linkRevocations, type BusHandlers, type RevocationBus } from './broadcast.js'
import { startCatchUp, startFlushTimer } from './catch-up.js'
import type { Metrics } from './metrics.js'
import { every, type Periodic } from './periodic.js'
import { startPgBus } from './pg-bus.js'
import { startRedisBus } from './redis-bus.js'
import type { RedisLink } from './redis.js'

/**
 * What runs besides the requests: `all` for a server (broadcast both ways, catch-up, key-ring reload,
 * expired-token flush); `publish` for a short command whose revocations must reach the servers at once
 * (it sends, listens to nothing, runs no timer); `none` for everything else.
 */
export type BackgroundMode = 'all' | 'publish' | 'none'

export interface BackgroundDeps {
  config: Config
  store: Store
  auth: AuthService
  tokens: TokenService
  redis: RedisLink | undefined
  metrics: Metrics | undefined
  log: Log
  now: () => number
  /** Where the outbox's mail goes; the sender runs with `all` unless there is none (production without EMAIL_URL). */
  transport?: MailTransport
}

export interface Background {
  /** How revocations travel between instances: Redis pub/sub, LISTEN/NOTIFY, or only the catch-up read. */
  bus: RevocationBus['kind'] | 'none'
  /** This instance's mail sender (with `all` and a transport). */
  mail: MailSender | undefined
  stop(): Promise<void>
}

/** How often a server re-reads the asymmetric key ring (a `tessera rotatekey` elsewhere). */
const KEY_RING_RELOAD_MS = 60_000

const isPostgres = (url: string): boolean => {
  try {
    return parseDatabaseUrl(url).dialect === 'postgres'
  } catch {
    return false
  }
}

/** Every background job, in one place, on the injected clock. Call once `auth.syncRevocations()` has filled the revoked set. */
export function startBackground(mode: BackgroundMode, { config, store, auth, tokens, redis, metrics, log, now, transport }: BackgroundDeps): Background {
  if (mode === 'none') return { bus: 'none', mail: undefined, stop: async () => transport?.close() }
  const { revocations } = auth
  const listening = mode === 'all'
  const jobs: Periodic[] = []
  if (metrics) revocations.onRevoke(() => metrics.revocations.inc({ source: 'local' }))

  const windowMs = (config.tokens.accessLifetime + config.tokens.leeway) * 1000
  const catchUp = listening ? startCatchUp({ store, revocations, windowMs, now, log, onLearned: (n) => metrics?.revocations.inc({ source: 'catchup' }, n) }, config.scale.catchupInterval, now()) : undefined
  if (catchUp) jobs.push(catchUp)

  const link = linkRevocations(revocations, { instanceId: randomBytes(8).toString('hex'), now, log, onLearned: () => metrics?.revocations.inc({ source: 'broadcast' }) })
  const handlers: BusHandlers | undefined = listening ? { onMessage: (payload) => link.receive(payload), onReconnect: () => void catchUp?.runNow() } : undefined
  let bus: RevocationBus | undefined
  if (redis) {
    bus = startRedisBus(redis, `${config.scale.redisPrefix}revocations`, handlers)
  } else if (isPostgres(config.database.url)) {
    const settings = { url: config.database.url, connectTimeout: config.database.connectTimeout, timeout: config.database.timeout }
    bus = startPgBus(settings, handlers, log, (up) => metrics?.dependencyUp.set({ dependency: 'broadcast' }, up ? 1 : 0))
  }
  if (bus) link.attach(bus)

  if (listening && config.scale.flushExpiredEvery > 0) jobs.push(startFlushTimer(() => auth.flushExpired(), config.scale.flushExpiredEvery, log))
  // Asymmetric keys live in the database: pick up a rotation made by `tessera rotatekey` or another
  // instance. (HMAC keys come from the settings and never change while running.)
  if (listening && !isHmac(config.tokens.algorithm)) {
    const database = new Availability('database (key-ring reload)', log, 'the current key ring is kept and the reload retried')
    jobs.push(every(KEY_RING_RELOAD_MS, async () => {
      try {
        tokens.setRing(await loadKeyRing(config.tokens, store, now(), config.simplejwtCompat))
        database.up()
      } catch (error) {
        database.down(error)
      }
    }))
  }

  // The outbox's sender: every instance runs one; the claim's lease lets only one deliver each message.
  const mail = listening && transport && transport.kind !== 'none' ? startMailSender({ store, transport, settings: config.email, now, log, ...(metrics && { registry: metrics.registry }) }) : undefined

  return {
    bus: bus?.kind ?? 'none',
    mail,
    async stop() {
      await mail?.stop()
      if (!mail) transport?.close()
      for (const job of jobs) await job.stop()
      // Revocations made just before shutdown (the CLI's changepassword) still go out.
      await link.flush()
      await bus?.close()
    },
  }
}
