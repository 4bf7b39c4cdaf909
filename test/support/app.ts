import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { optionsFromEnv, resolveOptions, type Config, type TesseraOptions } from '../../src/config/index.js'
import { buildServer } from '../../src/http/index.js'
import { openStore, type OpenedStore } from '../../src/store/index.js'
import { createPgDatabase, type PgDatabase } from './postgres.js'

/** Cheap argon2 for tests where the cost is not what is tested; every rate limit off unless asked. */
export const TEST_ENV = {
  NODE_ENV: 'test',
  SECRET_KEY: 'test-secret-key-that-is-long-enough-for-hs256-0123456789',
  ARGON2_MEMORY_COST: '1024',
  ARGON2_TIME_COST: '1',
  RATE_LIMIT_ENABLED: 'false',
  LOG_LEVEL: 'silent',
}

export interface TestApp {
  app: FastifyInstance
  /** The options the server was built with (from the test environment), and what they resolved to. */
  settings: TesseraOptions
  config: Config
  opened: OpenedStore
  close(): Promise<void>
}

/** Which database test apps use: `TESSERA_TEST_DB=postgres` runs any HTTP suite on PostgreSQL. */
export type TestDatabase = 'sqlite' | 'postgres'
export const testDatabase = (): TestDatabase => (process.env.TESSERA_TEST_DB === 'postgres' ? 'postgres' : 'sqlite')

/**
 * A real server on a real database, built exactly as `tessera serve` builds it: SQLite in a temp
 * file (WAL) by default; with `database: 'postgres'` (or TESSERA_TEST_DB=postgres) a fresh
 * PostgreSQL database that `close()` drops. `env` overrides settings; a `DATABASE_URL` there wins.
 */
export async function createTestApp(env: Record<string, string> = {}, options: { now?: () => number; database?: TestDatabase; logger?: object } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'))
  const pg: PgDatabase | undefined = !env.DATABASE_URL && (options.database ?? testDatabase()) === 'postgres' ? await createPgDatabase() : undefined
  const settings = optionsFromEnv({ ...TEST_ENV, DATABASE_URL: pg?.url ?? join(dir, 'db.sqlite3'), DATA_DIR: dir, ...env })
  const config = resolveOptions(settings)
  const opened = await openStore(config.database.url, { statementTimeout: config.database.timeout })
  await opened.migrate()
  const app = await buildServer({ ...settings, store: opened.store, logger: options.logger ?? false, ...(options.now && { now: options.now }) })
  await app.ready()
  return {
    app,
    settings,
    config,
    opened,
    async close() {
      await app.close()
      await opened.store.close()
      await pg?.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Creates a user straight through the service (no HTTP). */
export async function createUser(t: TestApp, username = 'alice', password = 'correct horse battery', extra: Record<string, unknown> = {}) {
  return t.app.tessera.createUser({ username, password, first_name: 'Alice', last_name: 'Liddell', ...extra }, { validatePassword: false })
}

/** Parses `set-cookie` headers into name → { value, attributes }. */
export function parseSetCookies(header: string | string[] | undefined): Record<string, { value: string; attributes: Record<string, string | true> }> {
  const out: Record<string, { value: string; attributes: Record<string, string | true> }> = {}
  for (const line of [header ?? []].flat()) {
    const [pair, ...attrs] = line.split(/;\s*/)
    const eq = pair!.indexOf('=')
    const attributes: Record<string, string | true> = {}
    for (const attr of attrs) {
      const i = attr.indexOf('=')
      if (i < 0) attributes[attr.toLowerCase()] = true
      else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1)
    }
    out[pair!.slice(0, eq)] = { value: pair!.slice(eq + 1), attributes }
  }
  return out
}

/**
 * A cookie jar over `app.inject()`: keeps what the server sets (honouring Max-Age=0 deletions and
 * cookie paths) and sends it back, as a browser would.
 */
export class Jar {
  readonly cookies = new Map<string, { value: string; path: string }>()

  constructor(private readonly app: FastifyInstance) {}

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value
  }

  set(name: string, value: string, path = '/'): void {
    this.cookies.set(name, { value, path })
  }

  header(url: string): string {
    return [...this.cookies].filter(([, c]) => url.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`).join('; ')
  }

  store(setCookie: string | string[] | undefined): void {
    for (const [name, c] of Object.entries(parseSetCookies(setCookie))) {
      if (c.attributes['max-age'] === '0') this.cookies.delete(name)
      else this.cookies.set(name, { value: c.value, path: typeof c.attributes.path === 'string' ? c.attributes.path : '/' })
    }
  }

  async request(method: string, url: string, options: { body?: unknown; headers?: Record<string, string>; csrf?: boolean } = {}) {
    const headers: Record<string, string> = { ...options.headers }
    const cookie = this.header(url)
    if (cookie) headers.cookie = cookie
    if (options.csrf && this.get('csrftoken')) headers['x-csrftoken'] = this.get('csrftoken')!
    const response = await this.app.inject({ method: method as 'GET', url, headers, ...(options.body !== undefined && { payload: options.body as object }) })
    this.store(response.headers['set-cookie'])
    return response
  }

  async login(username = 'alice', password = 'correct horse battery') {
    return this.request('POST', '/accounts/auth/login/', { body: { username, password } })
  }
}
