/**
 * Database statements per request, counted in-process: the real server (buildServer, as the tests
 * build it) over the real SQLite store, which counts every statement it runs, Kysely's and its own
 * prepared ones (SELECT/INSERT/UPDATE/DELETE; BEGIN/COMMIT of a transaction are not counted). The hot
 * path, an authenticated GET in steady state, must make none.
 */
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { optionsFromEnv, resolveConfig } from '../../src/config/index.js'
import { buildServer } from '../../src/http/index.js'
import { openStore } from '../../src/store/index.js'
import type { Pool } from '../child/shapes.js'
import { serverEnv, type Run, type ScenarioResult } from './scenarios.js'
import { seed } from './seed.js'

export async function countQueries(run: Run): Promise<ScenarioResult> {
  const env = serverEnv(run, 'queries')
  const poolFile = join(run.dir, 'queries', 'pool.json')
  await seed(env, { users: 5, sessions: 20, loginUser: true }, poolFile)
  const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as Pool
  const config = resolveConfig(env)
  const opened = await openStore(config.database.url)
  const sqlite = opened.sqlite
  if (!sqlite) throw new Error('the query count runs on SQLite')
  const app = await buildServer({ ...optionsFromEnv(env), store: opened.store, logger: false })
  await app.ready()
  const [first, second, third] = pool.sessions as [Pool['sessions'][number], Pool['sessions'][number], Pool['sessions'][number]]
  // serverEnv allows the host wrk uses (ALLOWED_HOSTS=127.0.0.1), not inject's default (localhost).
  const browser = { 'sec-fetch-site': 'same-origin', accept: 'application/json', host: '127.0.0.1:80' }
  const post = { ...browser, origin: 'http://127.0.0.1:80', 'content-type': 'application/json' }
  const requests = {
    user: () => app.inject({ method: 'GET', url: '/accounts/user/', headers: { ...browser, cookie: `access_token=${first.access}; csrftoken=${first.csrf}` } }),
    bearer: () => app.inject({ method: 'GET', url: '/accounts/user/', headers: { host: browser.host, authorization: `Bearer ${first.access}` } }),
    csrf: () => app.inject({ method: 'GET', url: '/accounts/csrf_token/', headers: { ...browser, cookie: `csrftoken=${first.csrf}` } }),
    refresh: () => app.inject({ method: 'POST', url: '/accounts/auth/refresh_token/', headers: { ...post, cookie: `refresh_token=${second.refresh}; csrftoken=${second.csrf}` }, payload: '{}' }),
    logout: () => app.inject({ method: 'POST', url: '/accounts/auth/logout/', headers: { ...post, cookie: `refresh_token=${third.refresh}; access_token=${third.access}; csrftoken=${third.csrf}`, 'x-csrftoken': third.masked }, payload: '{}' }),
    login: () => app.inject({ method: 'POST', url: '/accounts/auth/login/', headers: post, payload: JSON.stringify(pool.login) }),
  }
  const notes: string[] = []
  const counts: Record<string, number> = {}
  const count = async (name: string, send: () => Promise<{ statusCode: number }>, times = 1): Promise<void> => {
    const before = sqlite.statements
    for (let i = 0; i < times; i++) {
      const response = await send()
      if (response.statusCode !== 200) throw new Error(`${name}: HTTP ${response.statusCode}`)
    }
    counts[name] = (sqlite.statements - before) / times
  }
  try {
    await count('first user GET (user cache cold)', requests.user)
    await count('user GET, steady state (×1000)', requests.user, 1000)
    await count('user GET with Bearer, steady state (×1000)', requests.bearer, 1000)
    await count('csrf_token GET (×1000)', requests.csrf, 1000)
    await count('refresh (rotation)', requests.refresh)
    await count('logout', requests.logout)
    await count('login', requests.login)
  } finally {
    await app.close()
    await opened.store.close()
  }
  for (const [name, n] of Object.entries(counts)) notes.push(`${name}: ${Number.isInteger(n) ? n : n.toFixed(3)} statement(s) per request`)
  notes.push(`the user cache lives USER_CACHE_TTL (${config.userCacheTtl} s): after that one SELECT per user reloads it`)
  const steady = counts['user GET, steady state (×1000)']! + counts['user GET with Bearer, steady state (×1000)']!
  return { name: 'queries', rows: [], notes, target: { text: `0 queries per authenticated GET (measured: ${steady / 2})`, ok: steady === 0 } }
}
