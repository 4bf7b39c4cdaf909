import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import fp from 'fastify-plugin'
import { handleError } from './errors.js'
import { authenticateHook } from './guards.js'
import { loadKeyRing } from '../auth/index.js'
import { isHmac } from '../tokens/index.js'
import { accountRoutes } from './routes/account.js'
import { jwksRoutes } from './routes/jwks.js'
import { sessionRoutes } from './routes/sessions.js'
import { tokenRoutes } from './routes/tokens.js'
import { createTessera, type Tessera, type TesseraOptions } from './runtime.js'

export type TesseraDecorator = Tessera & {
  /** A preHandler that requires an access token (cookie or Bearer) and, for the cookie, the CSRF token on unsafe methods. */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>
}

declare module 'fastify' {
  interface FastifyInstance {
    tessera: TesseraDecorator
  }
}

const ROUTE_METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

/**
 * Registers Tessera on a Fastify 5 app: the contract's routes under `prefix` (default `/accounts`),
 * `app.tessera.authenticate` to protect your own routes, and `request.auth` on those requests.
 */
async function tesseraPlugin(fastify: FastifyInstance, options: TesseraOptions) {
  const tessera = await createTessera(options, fastify.log)
  const prefix = options.prefix ?? tessera.config.prefix
  fastify.decorate('tessera', { ...tessera, authenticate: authenticateHook(tessera) })
  fastify.decorateRequest('auth', null)
  fastify.decorateRequest('authVia', null)
  if (!fastify.hasDecorator('parseCookie')) await fastify.register(cookie)

  await fastify.register(async (app) => {
    await app.register(formbody, { bodyLimit: tessera.config.bodyLimit })
    // Bodies are JSON or form-encoded only: anything else (text/plain included, which a cross-site
    // form can send without a preflight) is a 415, not a string handed to the schema.
    app.removeContentTypeParser('text/plain')
    // DRF reads an empty body as no data even when it is labelled JSON (a front end may POST to refresh or
    // logout with `Content-Type: application/json` and no body); anything else goes to Fastify's parser.
    const parseJson = app.getDefaultJsonParser('remove', 'remove')
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') return done(null, {})
      return parseJson(request, body as string, done)
    })
    app.setErrorHandler(handleError)
    const methods = new Map<string, Set<string>>()
    app.addHook('onRoute', (route) => {
      route.bodyLimit ??= tessera.config.bodyLimit
      const set = methods.get(route.routePath) ?? new Set<string>()
      for (const m of [route.method].flat()) set.add(m)
      methods.set(route.routePath, set)
    })
    // Everything under the prefix is per-user: never cached, never sniffed.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.header('cache-control', 'no-store')
      reply.header('x-content-type-options', 'nosniff')
      done()
    })
    const deps = { tessera }
    await app.register(accountRoutes, deps)
    await app.register(tokenRoutes, deps)
    await app.register(sessionRoutes, deps)
    // A known path with a method it does not have is a 405 with `Allow`, not a 404.
    for (const [url, allowed] of [...methods]) {
      const others = ROUTE_METHODS.filter((m) => !allowed.has(m))
      if (others.length === 0) continue
      const allow = [...allowed].filter((m) => m !== 'HEAD').join(', ')
      app.route({
        method: others,
        url,
        schema: { hide: true },
        handler: async (request, reply) => reply.code(405).header('allow', allow).send({ detail: `Method "${request.method}" not allowed.` }),
      })
    }
  }, { prefix })

  await fastify.register(jwksRoutes, { tessera })

  // Asymmetric keys live in the database: pick up a rotation made by `tessera rotatekey` or another
  // instance. (HMAC keys come from the environment and never change while running.)
  const { tokens: settings } = tessera.config
  const reload = isHmac(settings.algorithm)
    ? undefined
    : setInterval(() => {
        loadKeyRing(settings, tessera.store, Date.now(), tessera.config.simplejwtCompat).then((ring) => tessera.tokens.setRing(ring), (error) => fastify.log.warn({ err: error }, 'key ring reload failed'))
      }, 60_000).unref()

  fastify.addHook('onClose', async () => {
    if (reload) clearInterval(reload)
    // Timers, the broadcast, Redis, and the pool when the plugin opened it.
    await tessera.close()
  })
}

export const tessera = fp(tesseraPlugin, { fastify: '5.x', name: 'tessera' })
export default tessera
