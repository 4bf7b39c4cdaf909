import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify'
import fp from 'fastify-plugin'
import type { CounterStore, Store } from '../auth/index.js'
import { configWarnings, resolveOptions, type TesseraOptions } from '../config/index.js'
import { isEnglish, languageFromRequest, translateBody } from '../i18n/index.js'
import { createRuntime } from '../runtime.js'
import { createApi, type TesseraApi } from './api.js'
import { drfStringFields, useDrfJson } from './bodies.js'
import { handleError } from './errors.js'
import { authenticateHook, csrfHook, kCsrfDecided } from './guards.js'
import { allowedHosts } from './hosts.js'
import { kRuntime } from './internal.js'
import { useDrfMultipart } from './multipart.js'
import { accountRoutes } from './routes/account.js'
import type { RouteDeps } from './routes/deps.js'
import { emailRoutes } from './routes/email.js'
import { jwksRoutes } from './routes/jwks.js'
import { mfaRoutes } from './routes/mfa.js'
import { passkeyRoutes } from './routes/passkeys.js'
import { sessionRoutes } from './routes/sessions.js'
import { tokenRoutes } from './routes/tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Tessera's public face: `authenticate` for your routes and the use cases (see TesseraApi). */
    tessera: TesseraApi
  }
}

/** `register(tessera, options)`: the settings, and what to use instead of what Tessera would open itself. */
export interface TesseraPluginOptions extends TesseraOptions {
  /** A store to use (you close it); default: open `database.url` and apply the migrations. */
  store?: Store
  /** Where rate-limit counters live; default: Redis when `scale.redisUrl` is set, else this process's memory. */
  counters?: CounterStore
  /** Milliseconds since the epoch, for every clock Tessera reads (tests). */
  now?: () => number
}

const ROUTE_METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

/**
 * Registers Tessera on a Fastify 5 app: the contract's routes under `prefix` (default `/accounts`),
 * `app.tessera.authenticate` to protect your own routes and `request.auth` on them, and the CSRF check
 * on every route of the app: register it before your routes.
 */
async function tesseraPlugin(fastify: FastifyInstance, { store, counters, now, ...options }: TesseraPluginOptions) {
  // Under an encapsulating prefix the routes move; the refresh cookie's path must follow the final one.
  const mount = fastify.prefix
  const config = resolveOptions({ ...options, prefix: `${mount}${options.prefix ?? '/accounts'}` })
  // The ready server registers the host check first of all; a host app gets it here, for every route of the app.
  if (!fastify.hasPlugin('tessera-allowed-hosts')) await fastify.register(allowedHosts, { allowedHosts: config.allowedHosts })
  for (const warning of configWarnings(config)) fastify.log.warn(warning)
  const runtime = await createRuntime(config, { log: fastify.log, ...(store && { store }), ...(counters && { counters }), ...(now && { now }) })
  fastify.addHook('onClose', async () => runtime.close())
  const authenticate = authenticateHook(runtime)
  fastify.decorate(kRuntime, runtime)
  fastify.decorate('tessera', createApi(runtime, authenticate))
  fastify.decorateRequest('auth', null)
  fastify.decorateRequest(kCsrfDecided, false)
  if (!fastify.hasDecorator('parseCookie')) await fastify.register(cookie)
  // One hook decides CSRF for every route of the app, the host's included (see enforceCsrf).
  fastify.addHook('preHandler', csrfHook(runtime))
  const deps: RouteDeps = { runtime, authenticate }

  await fastify.register(async (app) => {
    await app.register(formbody, { bodyLimit: config.bodyLimit })
    useDrfMultipart(app, config)
    // Bodies are JSON, form-encoded or multipart (DRF's default parsers) only: anything else (text/plain
    // included, which a cross-site form can send without a preflight) is a 415, not a string handed to the schema.
    app.removeContentTypeParser('text/plain')
    useDrfJson(app)
    app.setErrorHandler(handleError)
    const methods = new Map<string, Set<string>>()
    app.addHook('onRoute', (route) => {
      route.bodyLimit ??= config.bodyLimit
      drfStringFields(route)
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
    const { languageCode, localeMiddleware } = config.i18n
    // Django's own translations of its messages; nothing at all runs for an English-only server.
    if (localeMiddleware || !isEnglish(languageCode)) {
      const languageOf = localeMiddleware ? (request: FastifyRequest) => languageFromRequest(request.headers['accept-language'], request.cookies.django_language, languageCode) : () => languageCode
      app.addHook('preSerialization', async (request, reply, payload) => {
        const lang = languageOf(request)
        if (localeMiddleware) reply.header('content-language', lang)
        return payload !== null && typeof payload === 'object' && !Array.isArray(payload) && !isEnglish(lang) ? translateBody(payload as Record<string, unknown>, lang) : payload
      })
    }
    await app.register(accountRoutes, deps)
    await app.register(tokenRoutes, deps)
    await app.register(sessionRoutes, deps)
    await app.register(emailRoutes, deps)
    await app.register(mfaRoutes, deps)
    await app.register(passkeyRoutes, deps)
    // A known path with a method it does not have is a 405 with `Allow`, not a 404.
    for (const [url, allowed] of [...methods]) {
      const others = ROUTE_METHODS.filter((m) => !allowed.has(m))
      if (others.length === 0) continue
      const allow = [...allowed].filter((m) => m !== 'HEAD').join(', ')
      app.route({
        method: others,
        url,
        // It does nothing, so there is nothing for a forged request to do either.
        config: { csrf: false },
        schema: { hide: true },
        handler: async (request, reply) => reply.code(405).header('allow', allow).send({ detail: `Method "${request.method}" not allowed.` }),
      })
    }
  }, { prefix: config.prefix.slice(mount.length) })

  await fastify.register(jwksRoutes, deps)
}

export const tessera = fp(tesseraPlugin, { fastify: '5.x', name: 'tessera' })
export default tessera
