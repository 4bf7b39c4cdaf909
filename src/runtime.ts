import { createAuthService, loadKeyRing, unsealedKeyWarnings, type Audit, type AuthService, type CounterStore, type Store } from './auth/index.js'
import { resolveOptions, type Config, type TesseraOptions } from './config/index.js'
import { parseTrustedOrigins, type CsrfPolicy } from './csrf/index.js'
import { createComposer, createTransport, type MailSender, type MailTransport } from './mail/index.js'
import { createPasswordHasher, type PasswordHasher } from './passwords/index.js'
import { connectRedis, countAuditEvent, createMetrics, RedisCounters, startBackground, storeTimer, type BackgroundMode, type Metrics, type RedisLink } from './scale/index.js'
import { CheckedStore, openStore } from './store/index.js'
import { createTokenService, isHmac, type TokenService } from './tokens/index.js'

/** The part of a logger Tessera needs: pino's (Fastify's), or a console-like one in the CLI. */
export interface Logger {
  info(...args: [message: string] | [fields: object, message: string]): void
  warn(...args: [message: string] | [fields: object, message: string]): void
}

export interface RuntimeDeps {
  /** A store to use (checked and timed here); default: open `config.database.url` and apply migrations. */
  store?: Store
  /** Where rate-limit counters live; default: Redis when `scale.redisUrl` is set, else this process's memory. */
  counters?: CounterStore
  /** Milliseconds since the epoch, for every clock Tessera reads (tests). */
  now?: () => number
  /** Default: silent. */
  log?: Logger
  /** Which background jobs run (see BackgroundMode); default `all`. */
  background?: BackgroundMode
}

/** Everything a running Tessera holds, built in one place; the plugin and the CLI both use it. */
export interface Runtime {
  config: Config
  store: Store
  auth: AuthService
  tokens: TokenService
  hasher: PasswordHasher
  csrfPolicy: CsrfPolicy
  /** Prometheus metrics (`GET /metrics`); only with background `all`. */
  metrics: Metrics | undefined
  /** The Redis connection, when `scale.redisUrl` is set. */
  redis: RedisLink | undefined
  /** How revocations reach the other instances. */
  broadcast: 'redis' | 'postgres' | 'none'
  /** The one audit sink: the log, and the metrics for the events that are counted. */
  audit: Audit
  /** Outbound mail: the transport and, with background `all`, this instance's sender of the outbox. */
  mail: { transport: MailTransport; sender: MailSender | undefined }
  /** Stops the background jobs, closes Redis and (when it opened it) the database. Idempotent. */
  close(): Promise<void>
}

const SILENT: Logger = { info: () => {}, warn: () => {} }

/** Opens the configured database and applies the migrations (Kysely's lock lets instances starting together take turns). */
async function openMigrated(config: Config, log: Logger): Promise<Store> {
  const { url, poolSize, connectTimeout, timeout } = config.database
  const opened = await openStore(url, { poolSize, connectTimeout, statementTimeout: timeout })
  try {
    const { warnings } = await opened.migrate()
    for (const warning of warnings) log.warn(warning)
  } catch (error) {
    await opened.store.close()
    throw error
  }
  return opened.store
}

/** The composition root: options → store, key ring, tokens, hasher, Redis, the use cases, metrics and background jobs. */
export async function createRuntime(options: TesseraOptions | Config, deps: RuntimeDeps = {}): Promise<Runtime> {
  const config = resolveOptions(options)
  const now = deps.now ?? Date.now
  const log = deps.log ?? SILENT
  const mode = deps.background ?? 'all'
  const metrics = mode === 'all' ? createMetrics() : undefined
  const opened = deps.store === undefined
  const store = CheckedStore.wrap(deps.store ?? (await openMigrated(config, log)), metrics && storeTimer(metrics))
  let redis: RedisLink | undefined
  try {
    const tokens = createTokenService(config.tokens, await loadKeyRing(config.tokens, store, now(), config.simplejwtCompat), { now })
    if (mode === 'all' && !isHmac(config.tokens.algorithm)) for (const warning of await unsealedKeyWarnings(config.tokens, store)) log.warn(warning)
    const hasher = createPasswordHasher(config.passwords)
    const { redisUrl, redisTimeout, redisPrefix } = config.scale
    redis = redisUrl ? await connectRedis({ url: redisUrl, timeout: redisTimeout }, log, (up) => metrics?.dependencyUp.set({ dependency: 'redis' }, up ? 1 : 0)) : undefined
    const counters = deps.counters ?? (redis ? new RedisCounters(redis, redisPrefix) : undefined)
    const audit: Audit = (event, fields) => {
      if (metrics) countAuditEvent(metrics, event, fields)
      log.info({ audit: event, ...fields }, event)
    }
    const composer = createComposer(config.email, config.accounts)
    const auth = createAuthService(config, { store, tokens, hasher, audit, now, mail: composer, ...(counters && { counters }) })
    if (mode === 'all') await auth.syncRevocations()
    const transport = createTransport(config.email)
    const background = startBackground(mode, { config, store, auth, tokens, redis, metrics, log, now, transport })
    composer.onQueued(() => void background.mail?.runNow())
    const csrfPolicy: CsrfPolicy = {
      trusted: parseTrustedOrigins(config.csrf.trustedOrigins),
      headerName: config.csrf.headerName,
      ...(config.cookies.csrf.domain && { cookieDomain: config.cookies.csrf.domain }),
    }
    const link = redis
    let closing: Promise<void> | undefined
    const close = () =>
      (closing ??= (async () => {
        await background.stop()
        await link?.close()
        if (opened) await store.close()
      })())
    return { config, store, auth, tokens, hasher, csrfPolicy, metrics, redis, broadcast: background.bus, audit, mail: { transport, sender: background.mail }, close }
  } catch (error) {
    await redis?.close()
    if (opened) await store.close()
    throw error
  }
}
