import cors from '@fastify/cors'
import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance } from 'fastify'
import { resolveOptions, type TrustProxySetting } from '../config/index.js'
import { handleError } from './errors.js'
import { allowedHosts } from './hosts.js'
import { devMailbox, hasDevMailbox } from './mailbox.js'
import { notFoundHandler } from './not-found.js'
import { accessLog, attachLog, createServerLog, prettyLog, quietRequests } from './logging.js'
import { ops } from './ops.js'
import { tessera, type TesseraPluginOptions } from './plugin.js'
import { webRoutes } from './web.js'

/**
 * TRUST_PROXY in Fastify's terms. A hop count is a trust function (Fastify 5.12 ignores a bare number):
 * the socket's peer and the next `hops - 1` addresses are proxies, so `request.ip` is the rightmost
 * X-Forwarded-For entry that no trusted proxy wrote, and a client's own entries further left are ignored.
 */
export function fastifyTrustProxy(setting: TrustProxySetting): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting
  return setting === false ? false : [...setting]
}

/**
 * Swagger UI's policy: its own files only (its page has no inline script), the API on this origin, no
 * framing (clickjacking "Try it out" on the cookies' origin), no plugins, no forms.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

export interface ServerOptions extends TesseraPluginOptions {
  /**
   * Pino options (`stream` included) or false; default: JSON lines at `logLevel` on an asynchronous stdout
   * (pino-pretty's lines in development when stdout is a terminal).
   */
  logger?: boolean | object
}

/**
 * The ready server that `tessera serve` runs: Tessera's routes, CORS for the allow-list, OpenAPI at
 * `<prefix>/openapi.json`, Swagger UI at `/docs` and the demo page at `/` (both off in production unless
 * DOCS_ENABLED / DEMO_ENABLED), the development mailbox at `/dev/mailbox` (development only), every route
 * behind the ALLOWED_HOSTS check.
 */
export async function buildServer({ logger, ...options }: ServerOptions): Promise<FastifyInstance> {
  const config = resolveOptions(options)
  // LOG_LEVEL=silent means no logger at all, not a logger that discards: no child logger per request.
  // Development on a terminal reads pino-pretty's lines; anywhere else (a file, a journal, a collector) JSON.
  const pretty = logger === undefined && config.env === 'development' && config.logLevel !== 'silent' && process.stdout.isTTY === true
  const log = createServerLog(config.logLevel, pretty ? { stream: await prettyLog() } : logger)
  const app = Fastify({
    ...(log && { loggerInstance: log.logger }),
    logController: quietRequests(),
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: config.bodyLimit,
    // Deeply nested or huge JSON is refused by the body limit before parsing; prototype keys are dropped.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    return503OnClosing: true,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    // As DRF: a number is read as its string, but a list is not a string; every missing field is reported at once.
    ajv: { customOptions: { coerceTypes: true, allErrors: true } },
  })
  if (log) attachLog(app, log)
  app.setErrorHandler(handleError)
  // First: a request for a host this server does not serve gets nothing else, not even CORS.
  await app.register(allowedHosts, { allowedHosts: config.allowedHosts, header: ['x-content-type-options', 'nosniff'] })
  app.setNotFoundHandler(notFoundHandler(app, config.appendSlash))
  if (log && config.accessLog && log.enabled('info')) await app.register(accessLog, { log })
  // Without an allowed origin no cross-origin read is granted: no CORS hooks at all (a preflight is then
  // an OPTIONS to a route that has none, a 404 without any Access-Control-* header).
  if (config.cors.allowedOrigins.length > 0) {
    await app.register(cors, {
      origin: [...config.cors.allowedOrigins],
      credentials: true,
      // django-cors-headers' CORS_ALLOW_HEADERS (x-requested-with among them), plus the CSRF header.
      allowedHeaders: [...config.cors.allowHeaders],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      maxAge: 600,
    })
  }
  await app.register(swagger, {
    openapi: {
      info: { title: 'Tessera', description: 'Cookie-based JWT authentication (the DRF + SimpleJWT contract)', version: '0.1.0' },
      components: {
        securitySchemes: {
          cookieAuth: { type: 'apiKey', in: 'cookie', name: config.cookies.access.name },
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
  })
  // Swagger UI runs scripts on the cookies' origin: off in production unless DOCS_ENABLED, and never framed.
  // Loaded only when served (off by default in production).
  if (config.docsEnabled) await app.register((await import('@fastify/swagger-ui')).default, { routePrefix: '/docs', staticCSP: DOCS_CSP })
  // Before `tessera`: its request-counting hook must cover Tessera's routes too.
  await app.register(ops)
  await app.register(tessera, options)
  app.get(`${config.prefix}/openapi.json`, { schema: { hide: true } }, async () => app.swagger())

  if (config.demoEnabled) await app.register(webRoutes, { config })
  if (hasDevMailbox(config)) await app.register(devMailbox)
  return app
}
