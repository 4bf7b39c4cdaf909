import { hostname } from 'node:os'
import { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction, LogController } from 'fastify'
import fp from 'fastify-plugin'
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino'
import type { LogLevel } from '../config/index.js'
import { BatchedStdout } from './log-batch.js'

/** Pino's own redaction for anything a handler logs with the request or reply attached. */
const REDACT = ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]']

/**
 * Fastify's two lines per request (with the whole request serialized and redacted) are off: the access
 * log below writes one, with fields that never hold a secret.
 */
export const quietRequests = (): LogController => new LogController({ disableRequestLogging: true })

export interface ServerLog {
  /** For Fastify's `loggerInstance` (typed as Fastify's own logger, so the app keeps its default type). */
  logger: FastifyBaseLogger
  /** Whether `level` lines are written. */
  enabled(level: LogLevel): boolean
  /** Writes what is buffered, synchronously (the crash path). */
  flush(): void
  /** Writes what is buffered and lets go of the destination (the server's close). */
  close(): void
  /**
   * Writes a line straight to the destination, formatted by the caller as pino would (the access log's
   * hot path); absent when pino options could change a line's shape (base, formatters, message key...).
   */
  writeLine?: (line: string) => void
}

/**
 * Development on a terminal: pino-pretty's coloured lines instead of JSON, written synchronously (a
 * developer's terminal, not a production hot path). Loaded only then: production never imports it.
 */
export async function prettyLog(destination: number | NodeJS.WritableStream = 1): Promise<DestinationStream> {
  const { default: pretty } = await import('pino-pretty')
  return pretty({ destination, sync: true, colorize: destination === 1, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
}

/**
 * The server's logger: pino at `level`, into a batched asynchronous stdout (see BatchedStdout), or into `options.stream`
 * (tests, a host's own destination). Undefined for `silent`: no logger at all, so no child logger per
 * request either.
 */
export function createServerLog(level: LogLevel, options: boolean | (LoggerOptions & { stream?: DestinationStream }) | undefined): ServerLog | undefined {
  if (options === false || (options === undefined && level === 'silent')) return undefined
  const { stream, ...rest } = typeof options === 'object' ? options : {}
  const settings: LoggerOptions = { level, redact: REDACT, ...rest }
  const plain = Object.keys(rest).every((key) => key === 'level')
  if (stream) {
    const logger = pino(settings, stream)
    return { logger, enabled: (l) => logger.isLevelEnabled(l), flush: () => undefined, close: () => undefined, ...(plain && { writeLine: (line: string) => void stream.write(line) }) }
  }
  const destination = new BatchedStdout()
  const logger: Logger = pino(settings, destination)
  return { logger, enabled: (l) => logger.isLevelEnabled(l), flush: () => destination.flushSync(), close: () => destination.close(), ...(plain && { writeLine: (line: string) => destination.write(line) }) }
}

/**
 * Ties the log to the server's life: flushed when the server closes, and when the process dies of an
 * uncaught exception (or an unhandled rejection) after logging it, through a monitor, so Node's own crash
 * (the stack on stderr, exit code 1) is unchanged.
 */
export function attachLog(app: FastifyInstance, log: ServerLog): void {
  const monitor = (error: Error, origin: string) => {
    log.logger.fatal({ err: error, origin }, 'uncaught exception: exiting')
    log.flush()
  }
  process.on('uncaughtExceptionMonitor', monitor)
  app.addHook('onClose', (_app, done) => {
    process.off('uncaughtExceptionMonitor', monitor)
    log.close()
    done()
  })
}

/**
 * ACCESS_LOG: one info line per request, after the response, with the route pattern (never the raw URL,
 * whose query could hold a token), the status, the duration in milliseconds, the request id (the child
 * logger's `reqId`) and the user id when the request authenticated. No header, cookie or body goes in.
 */
async function accessLogPlugin(app: FastifyInstance, { log }: { log: ServerLog }) {
  const { writeLine } = log
  if (!writeLine) {
    app.addHook('onResponse', function accessLog(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      done()
      const { method, route, status, ms, userId } = accessFields(request, reply)
      request.log.info({ method, route, status, ms, ...(userId !== undefined && { user_id: userId }) }, 'request')
    })
    return
  }
  // pino's own line for the same call, built in one template: pino's generic serializer and the
  // per-request child's bindings cost several times the rest of the hook.
  const base = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`
  app.addHook('onResponse', function accessLog(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    done()
    if (!log.enabled('info')) return
    const { method, route, status, ms, userId } = accessFields(request, reply)
    const user = userId === undefined ? '' : `,"user_id":${JSON.stringify(userId)}`
    writeLine(`{"level":30,"time":${Date.now()}${base},"reqId":${JSON.stringify(request.id)},"method":${JSON.stringify(method)},"route":${route === null ? 'null' : JSON.stringify(route)},"status":${status},"ms":${ms}${user},"msg":"request"}\n`)
  })
}

/** What an access line says: never a header, a cookie, a body or the raw URL. */
function accessFields(request: FastifyRequest, reply: FastifyReply) {
  return {
    method: request.method,
    route: request.routeOptions.url ?? null,
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 100) / 100,
    userId: request.auth?.user.id,
  }
}

export const accessLog = fp(accessLogPlugin, { fastify: '5.x', name: 'tessera-access-log' })
