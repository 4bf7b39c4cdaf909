import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Runtime } from '../runtime.js'
import { RETRY_UNAVAILABLE } from './errors.js'
import { kRuntime } from './internal.js'

type Check = 'ok' | 'unavailable' | 'not configured'

/** Resolves to 'ok', or 'unavailable' on an error or after `ms`: a probe must answer even when a dependency hangs. */
async function probe(run: () => Promise<unknown>, ms: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Check>((resolve) => (timer = setTimeout(() => resolve('unavailable'), ms)))
  try {
    return await Promise.race([run().then((): Check => 'ok', (): Check => 'unavailable'), timeout])
  } finally {
    clearTimeout(timer)
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/** `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time. */
function metricsAllowed(request: FastifyRequest, token: string | undefined): boolean {
  if (token === undefined) return true
  const header = request.headers.authorization ?? ''
  const match = /^Bearer (.+)$/.exec(header)
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token))
}

/**
 * The operations endpoints of the ready server, outside the API prefix:
 * - `GET /healthz`: the process is alive (no dependency is checked: a restart would not cure one);
 * - `GET /readyz`: the database (and, with READY_REQUIRES_REDIS, Redis) answers: 200, else 503;
 * - `GET /metrics`: Prometheus text (protected by METRICS_TOKEN when set; in production off without it).
 * Also counts every request by route pattern and status, and lets in-flight requests finish on
 * shutdown. Register before `tessera` so the hooks cover its routes; it reads `app.tessera` at
 * request time.
 */
async function opsPlugin(app: FastifyInstance) {
  const runtime = (): Runtime | undefined => app[kRuntime] // decorated by `tessera`, registered after this plugin

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    done()
    // The pattern, never the raw URL: a scanner's random paths must not create new series.
    runtime()?.metrics?.http.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
  })

  // Graceful shutdown: Fastify closes idle keep-alive connections when it starts closing, but a
  // request in flight then would keep its connection open for the whole keep-alive timeout (72 s).
  // Its response says `Connection: close` instead, so the process can exit as soon as it is sent.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })

  const hidden = { schema: { hide: true } }
  // Probes come from load balancers and orchestrators that address the instance by IP: any Host.
  const probeRoute = { ...hidden, config: { anyHost: true } }
  app.get('/healthz', probeRoute, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { status: 'ok' }
  })

  app.get('/readyz', probeRoute, async (_request, reply) => {
    const { store, redis, config } = runtime()!
    const [database, cache] = await Promise.all([
      probe(() => store.ping(), config.database.timeout),
      redis ? probe(() => redis.client.ping(), config.scale.redisTimeout) : Promise.resolve<Check>('not configured'),
    ])
    // Mail never fails readiness (the outbox keeps it until the server answers), but the operator sees its state.
    const { mail } = runtime()!
    const checks = { database, redis: cache, mail: mail.sender?.state ?? (mail.transport.kind === 'none' ? 'not configured' : 'not running') }
    reply.header('cache-control', 'no-store')
    const failing = database !== 'ok' ? 'database' : config.scale.readyRequiresRedis && cache === 'unavailable' ? 'Redis' : undefined
    if (failing) return reply.code(503).header('retry-after', RETRY_UNAVAILABLE).send({ detail: `Service temporarily unavailable: ${failing} unreachable.`, checks })
    return { status: cache === 'unavailable' || checks.mail === 'unavailable' ? 'degraded' : 'ready', checks }
  })

  app.get('/metrics', hidden, async (request, reply) => {
    const { metrics, auth, config } = runtime()!
    // Public metrics are a development convenience; in production they exist only behind METRICS_TOKEN.
    if (!metrics || (config.env === 'production' && config.scale.metricsToken === undefined)) return reply.code(404).send({ detail: 'Not found.' })
    if (!metricsAllowed(request, config.scale.metricsToken)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ detail: 'Authentication credentials were not provided.' })
    }
    metrics.revokedSessions.set(auth.revocations.size)
    reply.header('cache-control', 'no-store').type(metrics.registry.contentType)
    return metrics.exposition()
  })
}

export const ops = fp(opsPlugin, { fastify: '5.x', name: 'tessera-ops' })
