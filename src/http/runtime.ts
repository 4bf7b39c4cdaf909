import type { FastifyBaseLogger } from 'fastify'
import { createAuthService, loadKeyRing, type AuthService, type CounterStore, type Store } from '../auth/index.js'
import { loadConfig, type Config } from '../config/index.js'
import { parseTrustedOrigins, type CsrfPolicy } from '../csrf/index.js'
import { createPasswordHasher, type PasswordHasher } from '../passwords/index.js'
import { openStore } from '../store/index.js'
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
}

export interface TesseraOptions {
  /** Resolved settings; default: read from the environment. */
  config?: Config
  /** A store to use; default: open `config.databaseUrl` and apply migrations. */
  store?: Store
  /** Where rate-limit counters live; default: this process's memory. */
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
  let store = options.store
  const ownsStore = !store
  if (!store) {
    const opened = await openStore(config.databaseUrl)
    await opened.migrate()
    store = opened.store
  }
  const ring = await loadKeyRing(config.tokens, store, (options.now ?? Date.now)())
  const tokens = createTokenService(config.tokens, ring, options.now ? { now: options.now } : {})
  const hasher = createPasswordHasher(config.passwords)
  const auth = createAuthService(config, {
    store,
    tokens,
    hasher,
    ...(options.counters && { counters: options.counters }),
    ...(options.now && { now: options.now }),
    audit: (event, fields) => log.info({ audit: event, ...fields }, event),
  })
  await auth.syncRevocations()
  const csrfPolicy: CsrfPolicy = {
    trusted: parseTrustedOrigins(config.csrf.trustedOrigins),
    headerName: config.csrf.headerName,
    ...(config.cookies.csrf.domain && { cookieDomain: config.cookies.csrf.domain }),
  }
  return { config, store, auth, tokens, hasher, csrfPolicy, ownsStore }
}
