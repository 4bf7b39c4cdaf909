/**
 * Issue 16, item 1: the per-request floor taken apart. One server per process: bare Fastify plus one
 * of the pieces Tessera puts on every request, or Tessera itself (from the bench build: run
 * `npm run bench -- healthz` once first). `node bench/floor/drive.mjs` runs them all under wrk.
 */
import cors from '@fastify/cors'
import cookie from '@fastify/cookie'
import Fastify from 'fastify'
import client from 'prom-client'
import SonicBoom from 'sonic-boom'

// `base-*` variants load another build of src/ (BASE_BUILD, e.g. an older commit's bench/.build/src/).
const name = process.argv[2]
const BUILD = name.startsWith('base-') ? new URL(`file://${process.env.BASE_BUILD.replace(/\/?$/, '/')}`).href : new URL('../.build/src/', import.meta.url).href
const redact = ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]']
let app
let accessCookie = ''
if (name.startsWith('tessera') || name.startsWith('base-')) {
  const { loadOptions } = await import(`${BUILD}config/index.js`)
  const { buildServer } = await import(`${BUILD}http/index.js`)
  app = await buildServer(loadOptions(process.env).options)
  await app.ready()
  // A user and a session, so the driver can also GET /accounts/user/ with the access cookie (FLOOR_PATH).
  await app.tessera.createUser({ username: 'floor', password: 'correct horse battery staple' }, { validatePassword: false })
  const login = await app.inject({ method: 'POST', url: '/accounts/auth/login/', headers: { host: '127.0.0.1' }, payload: { username: 'floor', password: 'correct horse battery staple' } })
  accessCookie = [login.headers['set-cookie']].flat().map((line) => line.split(';')[0]).filter((pair) => pair.startsWith('access_token=')).join('; ')
} else {
  const options = {
    // Fastify's own request logging, as Tessera has it at LOG_LEVEL=info (two lines per request).
    'fastify-log': { logger: { level: 'info', redact } },
    // One line per request through pino, without Fastify's per-request child logger.
    'pino-one-line': { logger: { level: 'info' }, disableRequestLogging: true, childLoggerFactory: (logger) => logger },
  }[name]
  const extra = {
    // Fastify's per-request child logger, request lines off (Tessera's logger setup without the access line).
    'child-logger': { loggerInstance: (await import('pino')).pino({ level: 'info' }, new SonicBoom({ fd: 1, sync: false })), disableRequestLogging: true },
    timeouts: { connectionTimeout: 30_000, requestTimeout: 30_000 },
    closing503: { return503OnClosing: true },
    'trust-fn': { trustProxy: (_address, hop) => hop < 1 },
    ajv: { ajv: { customOptions: { coerceTypes: true, allErrors: true } }, onProtoPoisoning: 'remove', onConstructorPoisoning: 'remove' },
  }[name]
  app = Fastify({ logger: false, ...options, ...extra })
  if (name === 'cors-none') await app.register(cors, { origin: false, credentials: true })
  if (name === 'cors-list') await app.register(cors, { origin: ['https://app.example.com'], credentials: true })
  if (name === 'cookie') await app.register(cookie)
  if (name === 'header-hooks') {
    app.addHook('onRequest', (_request, reply, done) => {
      reply.header('x-content-type-options', 'nosniff')
      done()
    })
    app.addHook('onSend', (_request, _reply, payload, done) => done(null, payload))
  }
  if (name === 'metrics') {
    const registry = new client.Registry()
    const requests = new client.Counter({ name: 'r', help: 'r', labelNames: ['method', 'route', 'status'], registers: [registry] })
    const duration = new client.Histogram({ name: 'd', help: 'd', labelNames: ['method', 'route'], registers: [registry] })
    const series = new Map()
    app.addHook('onResponse', (request, reply, done) => {
      done()
      const route = request.routeOptions.url ?? 'unmatched'
      const key = `${request.method} ${route} ${reply.statusCode}`
      let child = series.get(key)
      if (!child) series.set(key, (child = { count: requests.labels(request.method, route, String(reply.statusCode)), duration: duration.labels(request.method, route) }))
      child.count.inc()
      child.duration.observe(reply.elapsedTime / 1000)
    })
  }
  if (name === 'onresponse-empty') app.addHook('onResponse', (_request, _reply, done) => done())
  if (name === 'onresponse-fields') {
    let sink = 0
    app.addHook('onResponse', (request, reply, done) => {
      done()
      sink += (request.routeOptions.url ?? '').length + reply.statusCode + reply.elapsedTime
    })
  }
  if (name === 'onrequest-empty') app.addHook('onRequest', (_request, _reply, done) => done())
  if (name === 'pino-one-line') {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info({ reqId: request.id, method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request')
      done()
    })
  }
  if (name === 'lean-line') {
    // A hand-built JSON line into an asynchronous, buffered sonic-boom (no pino, no child logger).
    const out = new SonicBoom({ fd: 1, sync: false, minLength: 8192 })
    app.addHook('onResponse', (request, reply, done) => {
      out.write(`{"level":30,"time":${Date.now()},"msg":"request","reqId":"${request.id}","method":"${request.method}","route":${JSON.stringify(request.routeOptions.url ?? null)},"status":${reply.statusCode},"ms":${reply.elapsedTime.toFixed(2)}}\n`)
      done()
    })
  }
  app.get('/healthz', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { status: 'ok' }
  })
  app.get('/accounts/user/', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { id: 1, username: 'floor', first_name: '', last_name: '', email: '', email_verified: false }
  })
}
// Port 0: the OS picks one outside the ephemeral range's current use (a fixed port can be a live client's).
await app.listen({ host: '127.0.0.1', port: 0 })
process.send({ port: app.server.address().port, cookie: accessCookie })
// --cpu-prof writes its profile on a normal exit: SIGTERM ends the process that way.
process.once('SIGTERM', () => process.exit(0))
