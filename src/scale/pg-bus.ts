import type pg from 'pg'
import { Availability, type Log } from './availability.js'
import type { BusHandlers, RevocationBus } from './broadcast.js'

export const PG_CHANNEL = 'tessera_revocation'

export interface PgBusSettings {
  url: string
  connectTimeout: number
  timeout: number
}

/**
 * Revocations over PostgreSQL LISTEN/NOTIFY, when there is no Redis: one dedicated connection
 * (outside the pool, which must not lose a client to a LISTEN) both listens and notifies. It
 * reconnects on its own; while it is away the catch-up read carries revocations.
 */
export function startPgBus(settings: PgBusSettings, handlers: BusHandlers | undefined, log: Log, onChange?: (up: boolean) => void): RevocationBus {
  const available = new Availability('PostgreSQL LISTEN/NOTIFY', log, 'revocations reach other instances through the catch-up read', onChange)
  let client: pg.Client | null = null
  let closed = false
  let retry: NodeJS.Timeout | undefined
  let attempt = 0
  const dead = new WeakSet<pg.Client>()
  let firstConnected: () => void = () => {}
  // A short-lived process (the CLI's changepassword) may publish before its connection is up.
  const first = new Promise<void>((resolve) => (firstConnected = resolve))

  // 'error' and 'end' may both fire for one connection: it is replaced once.
  const lost = (which: pg.Client, error: unknown) => {
    if (dead.has(which)) return
    dead.add(which)
    if (client === which) client = null
    which.removeAllListeners('notification')
    which.end().catch(() => {})
    if (closed) return
    available.down(error)
    // Back off up to 5 s; the catch-up read covers the gap.
    retry = setTimeout(() => void connect(), Math.min(250 * 2 ** attempt++, 5000))
    retry.unref()
  }

  const connect = async () => {
    // Loaded with the first connection: a server on SQLite never loads pg at all.
    const { Client } = (await import('pg')).default
    const next = new Client({ connectionString: settings.url, connectionTimeoutMillis: settings.connectTimeout, query_timeout: settings.timeout, keepAlive: true, keepAliveInitialDelayMillis: 10_000, application_name: 'tessera-listen' })
    next.on('error', (error) => lost(next, error))
    next.on('end', () => lost(next, new Error('connection ended')))
    next.on('notification', (n) => {
      if (n.channel === PG_CHANNEL && n.payload) handlers?.onMessage(n.payload)
    })
    client = next
    try {
      await next.connect()
      // Without handlers (a command that only sends) there is nothing to listen for.
      if (handlers) await next.query(`LISTEN ${PG_CHANNEL}`)
      if (closed) return void next.end().catch(() => {})
      const reconnected = attempt > 0
      attempt = 0
      available.up()
      firstConnected()
      if (reconnected) handlers?.onReconnect()
    } catch (error) {
      lost(next, error)
    }
  }
  void connect()

  return {
    kind: 'postgres',
    async publish(payload) {
      if (!available.isUp) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([first, new Promise((resolve) => (timer = setTimeout(resolve, settings.connectTimeout)))])
        clearTimeout(timer)
      }
      if (!client || !available.isUp) throw new Error('LISTEN/NOTIFY connection is down')
      await client.query('SELECT pg_notify($1, $2)', [PG_CHANNEL, payload])
    },
    async close() {
      closed = true
      clearTimeout(retry)
      const last = client
      client = null
      await last?.end().catch(() => {})
    },
  }
}
