import type { FastifyInstance } from 'fastify'
import type { Runtime } from '../runtime.js'

/**
 * Where the plugin keeps its runtime (store, key ring, metrics, ...): under a symbol, so a host sees only
 * `app.tessera` while Tessera's own code (the ops routes, tests) can still reach the internals.
 */
export const kRuntime: unique symbol = Symbol('tessera.runtime')

declare module 'fastify' {
  interface FastifyInstance {
    [kRuntime]: Runtime
  }
}

/** The runtime of the Tessera registered on `app` (or an ancestor); throws when there is none. */
export function runtimeOf(app: FastifyInstance): Runtime {
  const runtime = app[kRuntime]
  if (!runtime) throw new Error('Tessera is not registered on this Fastify instance')
  return runtime
}
