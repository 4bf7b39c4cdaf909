import type { FastifyBaseLogger } from 'fastify'
import { createAuthService, loadKeyRing, type AuthService, type CounterStore, type Store } from '../auth/index.js'
import { loadConfig, type Config } from '../config/index.js'
import { parseTrustedOrigins, type CsrfPolicy } from '../csrf/index.js'
import { createPasswordHasher, type PasswordHasher } from '../passwords/index.js'
import { openStore } from '../store/index.js'
import { connectRedis, countAuditEvent, createMetrics, RedisCounters, startBackground, timedStore, type Metrics, type RedisLink } from '../scale/index.js'
import { createTokenService, type TokenService } from '../tokens/index.js'

/** Everything a running Tessera holds: built once per plugin registration. */
export interface Tessera {
  config: Config
  store: Store
  auth: AuthService
  tokens: TokenService
  hasher: PasswordHasher
  csrfPolicy: CsrfPolicy
  /** True when the plugin opened the store itself (and so closes it). */
  ownsStore: boolean
  /** Prometheus metrics (`GET /metrics`). */
  metrics: Metrics
  /** The Redis connection, when REDIS_URL is set. */
  redis: RedisLink | undefined
  /** How revocations reach the other instances. */
  broadcast: 'redis' | 'postgres' | 'none'
  /** Stops the timers and the broadcast, closes Redis and (when it opened it) the database pool. */
  close(): Promise<void>
}

export interface TesseraOptions {
  /** Resolved settings; default: read from the environment. */
  config?: Config
  /** A store to use; default: open `config.databaseUrl` and apply migrations. */
  store?: Store
  /** Where rate-limit counters live; default: Redis when REDIS_URL is set, else this process's memory. */
  counters?: CounterStore
  /** Route prefix; default `config.prefix` (`/accounts`). */
  prefix?: string
  /** Milliseconds since the epoch (tests). */
  now?: () => number
}

/** The part of a logger Tessera needs (pino's, or a console-like one in the CLI). */
export type Logger = Pick<FastifyBaseLogger, 'info' | 'warn'>

export async function createTessera(options: TesseraOptions, log: Logger): Promise<Tessera> {
  let config = options.config
  if (!config) {
    const loaded = loadConfig()
    for (const warning of loaded.warnings) log.warn(warning)
    config = loaded.config
  }
  const now = options.now ?? Date.now
  const metrics = createMetrics()
  let store = options.store
  const ownsStore = !store
  if (!store) {
    const { poolSize, connectTimeout, timeout } = config.database
    const opened = await openStore(config.databaseUrl, { poolSize, connectTimeout, statementTimeout: timeout })
    try {
      // Kysely's migrator holds an advisory lock on PostgreSQL: instances starting together take turns.
      const { warnings } = await opened.migrate()
      for (const warning of warnings) log.warn(warning)
    } catch (error) {
      await opened.store.close()
      throw error
    }
    store = opened.store
  }
  store = timedStore(store, metrics)
  const ring = await loadKeyRing(config.tokens, store, (options.now ?? Date.now)(), config.simplejwtCompat)
  const tokens = createTokenService(config.tokens, ring, options.now ? { now: options.now } : {})
  const hasher = createPasswordHasher(config.passwords)
  const { redisUrl, redisTimeout, redisPrefix } = config.scale
  const redis = redisUrl ? await connectRedis({ url: redisUrl, timeout: redisTimeout }, log, (up) => metrics.dependencyUp.set({ dependency: 'redis' }, up ? 1 : 0)) : undefined
  const counters = options.counters ?? (redis ? new RedisCounters(redis, redisPrefix) : undefined)
  const auth = createAuthService(config, {
    store,
    tokens,
    hasher,
    ...(counters && { counters }),
    ...(options.now && { now: options.now }),
    audit: (event, fields) => {
      countAuditEvent(metrics, event, fields)
      log.info({ audit: event, ...fields }, event)
    },
    acceptSessionless: config.simplejwtCompat,
  })
  try {
    await auth.syncRevocations()
  } catch (error) {
    await redis?.close()
    if (ownsStore) await store.close()
    throw error
  }
  const background = startBackground({ config, store, auth, redis, metrics, log, now })
  const csrfPolicy: CsrfPolicy = {
    trusted: parseTrustedOrigins(config.csrf.trustedOrigins),
    headerName: config.csrf.headerName,
    ...(config.cookies.csrf.domain && { cookieDomain: config.cookies.csrf.domain }),
  }
  const owned = store
  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= (async () => {
      await background.stop()
      await redis?.close()
      if (ownsStore) await owned.close()
    })())
  return { config, store, auth, tokens, hasher, csrfPolicy, ownsStore, metrics, redis, broadcast: background.bus, close }
}
