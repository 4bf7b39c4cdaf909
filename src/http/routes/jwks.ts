import type { FastifyInstance } from 'fastify'
import { toPublicJwk } from '../../tokens/index.js'
import type { RouteDeps } from './deps.js'

/**
 * `/.well-known/jwks.json`: the public keys of the ring (asymmetric algorithms only; an HMAC secret is
 * never published), so other services can verify Tessera's access tokens themselves.
 */
export async function jwksRoutes(app: FastifyInstance, { runtime }: RouteDeps) {
  app.get('/.well-known/jwks.json', {
    schema: { tags: ['keys'], summary: 'Public signing keys (JWKS)', response: { 200: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } } } } },
  }, async (_request, reply) => {
    const keys = [...runtime.tokens.ring.keys.values()].map(toPublicJwk).filter((jwk) => jwk !== undefined)
    reply.header('cache-control', 'public, max-age=300')
    return { keys }
  })
}
