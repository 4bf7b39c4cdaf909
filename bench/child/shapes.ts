/**
 * The requests of each scenario, shaped as a browser (or, for `user-bearer`, an API client) sends
 * them. The bare baseline gets byte-for-byte the same shapes, so the only difference it measures is
 * what the server does with them.
 */

/** One session made before the run: its tokens and its CSRF secret (plain and masked, as the SPA holds them). */
export interface PoolSession {
  access: string
  refresh: string
  csrf: string
  masked: string
}

export interface Pool {
  sessions: PoolSession[]
  /** A user with a real (OWASP-cost) argon2id hash, for the login requests. */
  login?: { username: string; password: string }
}

export const KINDS = ['healthz', 'user', 'user-bearer', 'csrf', 'refresh', 'logout', 'login'] as const
export type Kind = (typeof KINDS)[number]

export interface Shape {
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
}

/** Kinds that spend one pool session per request: a replayed refresh token would be (rightly) refused. */
export const consumesSessions = (kind: Kind): boolean => kind === 'refresh' || kind === 'logout'

export interface ShapeSource {
  next(): Shape
  /** Sessions spent so far (refresh, logout). */
  readonly spent: number
  readonly exhausted: boolean
}

/**
 * Yields the requests of `kind`. Access tokens rotate over the whole pool (many users, many
 * sessions); refresh and logout take a session nobody used before. With `strict`, running out of
 * fresh sessions sends a request to a path that does not exist, so the run reports a failure instead
 * of replaying a spent token; without it (the bare baseline, which checks nothing) the pool wraps.
 */
export function shapeSource(kind: Kind, pool: Pool, origin: string, strict: boolean, prefix = '/accounts'): ShapeSource {
  const sessions = pool.sessions
  let rotating = 0
  let fresh = 0
  let exhausted = false
  const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) tessera-bench', accept: 'application/json', 'sec-fetch-site': 'same-origin' }
  const post = { ...browser, origin, 'content-type': 'application/json' }
  const loginBody = pool.login ? JSON.stringify(pool.login) : '{}'

  const anyone = (): PoolSession => {
    const s = sessions[rotating]!
    rotating = (rotating + 1) % sessions.length
    return s
  }
  const unused = (): PoolSession | undefined => {
    if (fresh >= sessions.length) {
      if (strict) {
        exhausted = true
        return undefined
      }
      fresh = 0
    }
    return sessions[fresh++]
  }
  const spentPool: Shape = { method: 'GET', path: '/__bench_pool_exhausted__', headers: browser }

  function build(k: Kind): Shape {
    switch (k) {
      case 'healthz':
        return { method: 'GET', path: '/healthz', headers: browser }
      case 'user': {
        const s = anyone()
        return { method: 'GET', path: `${prefix}/user/`, headers: { ...browser, cookie: `access_token=${s.access}; csrftoken=${s.csrf}` } }
      }
      case 'user-bearer': {
        const s = anyone()
        return { method: 'GET', path: `${prefix}/user/`, headers: { accept: 'application/json', 'user-agent': 'tessera-bench-api-client', authorization: `Bearer ${s.access}` } }
      }
      case 'csrf': {
        const s = anyone()
        return { method: 'GET', path: `${prefix}/csrf_token/`, headers: { ...browser, cookie: `access_token=${s.access}; csrftoken=${s.csrf}` } }
      }
      case 'refresh': {
        const s = unused()
        if (!s) return spentPool
        return { method: 'POST', path: `${prefix}/auth/refresh_token/`, headers: { ...post, cookie: `refresh_token=${s.refresh}; access_token=${s.access}; csrftoken=${s.csrf}` }, body: '{}' }
      }
      case 'logout': {
        const s = unused()
        if (!s) return spentPool
        return {
          method: 'POST',
          path: `${prefix}/auth/logout/`,
          headers: { ...post, cookie: `refresh_token=${s.refresh}; access_token=${s.access}; csrftoken=${s.csrf}`, 'x-csrftoken': s.masked },
          body: '{}',
        }
      }
      case 'login': {
        const s = anyone()
        return { method: 'POST', path: `${prefix}/auth/login/`, headers: { ...post, cookie: `csrftoken=${s.csrf}` }, body: loginBody }
      }
    }
  }

  return {
    next: () => build(kind),
    get spent() {
      return fresh
    },
    get exhausted() {
      return exhausted
    },
  }
}
