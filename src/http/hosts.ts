import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `true` answers whatever the `Host` (the `/healthz` and `/readyz` probes, which a load balancer sends by IP). */
    anyHost?: boolean
  }
}

/** Django's `host_validation_re`, on the lower-cased Host: a name or a bracketed IPv6 address, and an optional port. */
const HOST = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:[0-9]+)?$/
/** Raw Host values already found allowed; bounded, as only allowed names (with their ports) get in. */
const REMEMBERED = 1024

/** Django's `split_domain_port`: the domain without port and trailing dot, or '' for a malformed Host. */
export function hostDomain(host: string): string {
  const match = HOST.exec(host.toLowerCase())
  if (!match) return ''
  const domain = match[1]!
  return domain.endsWith('.') ? domain.slice(0, -1) : domain
}

/**
 * Django's `validate_host` over ALLOWED_HOSTS: `*` matches any well-formed host, `.example.com` the domain and
 * every subdomain, anything else itself; the port is not compared. A Host seen allowed once is one Set lookup
 * afterwards (the per-request path); only a new value is parsed.
 */
export function createHostCheck(allowedHosts: readonly string[]): (host: string) => boolean {
  const any = allowedHosts.includes('*')
  const exact = new Set(allowedHosts.filter((h) => !h.startsWith('.')))
  const domains = new Set(allowedHosts.filter((h) => h.startsWith('.')).map((h) => h.slice(1)))
  const allowed = new Set<string>()
  const matches = (domain: string): boolean => {
    if (domain === '') return false
    if (any || exact.has(domain)) return true
    // `host.endswith('.example.com') or host == 'example.com'`: every suffix that starts after a dot.
    for (let rest = domain; ; ) {
      if (domains.has(rest)) return true
      const dot = rest.indexOf('.')
      if (dot < 0) return false
      rest = rest.slice(dot + 1)
    }
  }
  return (host) => {
    if (allowed.has(host)) return true
    if (!matches(hostDomain(host))) return false
    if (allowed.size < REMEMBERED) allowed.add(host)
    return true
  }
}

interface AllowedHostsOptions {
  allowedHosts: readonly string[]
  /**
   * A header every answer of the app carries, refusals included, set by this hook (the first on every
   * request) rather than by one more hook of its own.
   */
  header?: readonly [name: string, value: string]
}

/**
 * Answers 400 to a request whose Host is not in ALLOWED_HOSTS, before anything else runs: the cookies'
 * origin answers only to its own names, which also defeats DNS rebinding (an attacker's name resolving to
 * this server). The host is Fastify's `request.host` (X-Forwarded-Host only from a trusted proxy), the one
 * the CSRF checks compare with.
 */
async function allowedHostsPlugin(app: FastifyInstance, { allowedHosts, header }: AllowedHostsOptions) {
  const isAllowed = createHostCheck(allowedHosts)
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (header) reply.header(header[0], header[1])
    if (isAllowed(request.host) || request.routeOptions.config.anyHost === true) return done()
    request.log.warn({ host: request.host }, 'Invalid HTTP_HOST header: add it to ALLOWED_HOSTS if this server should answer to it')
    reply.code(400).header('cache-control', 'no-store').send({ detail: 'Invalid HTTP_HOST header.' })
  })
}

export const allowedHosts = fp(allowedHostsPlugin, { fastify: '5.x', name: 'tessera-allowed-hosts' })
