import { randomBytes } from 'node:crypto'
import type { AuthService, Store } from '../auth/index.js'
import type { Config } from '../config/index.js'
import { parseDatabaseUrl } from '../store/index.js'
import type { Log } from './availability.js'
import { linkRevocations, type BusHandlers, type RevocationBus } from './broadcast.js'
import { startCatchUp, startFlushTimer } from './catch-up.js'
import type { Metrics } from './metrics.js'
import { startPgBus } from './pg-bus.js'
import { startRedisBus } from './redis-bus.js'
import type { RedisLink } from './redis.js'

export interface BackgroundDeps {
  config: Config
  store: Store
  auth: AuthService
  redis: RedisLink | undefined
  metrics: Metrics
  log: Log
  now: () => number
}

export interface Background {
  /** How revocations travel between instances: Redis pub/sub, LISTEN/NOTIFY, or only the catch-up read. */
  bus: RevocationBus['kind'] | 'none'
  stop(): Promise<void>
}

const isPostgres = (url: string): boolean => {
  try {
    return parseDatabaseUrl(url).dialect === 'postgres'
  } catch {
    return false
  }
}

/**
 * What a running instance does besides answering requests: the revocation broadcast (Redis when
 * REDIS_URL is set, LISTEN/NOTIFY on PostgreSQL otherwise), the catch-up read, and the optional
 * expired-token flush. Call once `auth.syncRevocations()` has filled the revoked set.
 */
export function startBackground({ config, store, auth, redis, metrics, log, now }: BackgroundDeps): Background {
  const { revocations } = auth
  revocations.onRevoke(() => metrics.revocations.inc({ source: 'local' }))
  const windowMs = (config.tokens.accessLifetime + config.tokens.leeway) * 1000
  const catchUp = startCatchUp({ store, revocations, windowMs, now, log, onLearned: (n) => metrics.revocations.inc({ source: 'catchup' }, n) }, config.scale.catchupInterval, now())

  const link = linkRevocations(revocations, { instanceId: randomBytes(8).toString('hex'), now, log, onLearned: () => metrics.revocations.inc({ source: 'broadcast' }) })
  const handlers: BusHandlers = { onMessage: (payload) => link.receive(payload), onReconnect: () => void catchUp.runNow() }
  let bus: RevocationBus | undefined
  if (redis) {
    bus = startRedisBus(redis, `${config.scale.redisPrefix}revocations`, handlers)
  } else if (isPostgres(config.databaseUrl)) {
    const settings = { url: config.databaseUrl, connectTimeout: config.database.connectTimeout, timeout: config.database.timeout }
    bus = startPgBus(settings, handlers, log, (up) => metrics.dependencyUp.set({ dependency: 'broadcast' }, up ? 1 : 0))
  }
  if (bus) link.attach(bus)
  const flush = config.scale.flushExpiredEvery > 0 ? startFlushTimer(() => auth.flushExpired(), config.scale.flushExpiredEvery, log) : undefined

  return {
    bus: bus?.kind ?? 'none',
    async stop() {
      await catchUp.stop()
      await flush?.stop()
      // Revocations made just before shutdown (the CLI's changepassword) still go out.
      await link.flush()
      await bus?.close()
    },
  }
}
