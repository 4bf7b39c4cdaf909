/** wrk loads for Tessera and the bare baseline: a pool's sessions turned into requests of one kind. */
import { readFileSync } from 'node:fs'
import { consumesSessions, shapeSource, type Kind, type Pool, type Shape } from '../child/shapes.js'
import type { Server } from './children.js'
import { wrkLoad, writeRequests, type Load } from './wrk.js'

/**
 * Requests of `kind` for `server`, from the sessions in `poolFile`. Kinds that spend a session per
 * request get one request per session, each sent once when `once` (Tessera; the bare baseline,
 * which checks nothing, cycles through them); the others rotate over every session of the pool.
 */
export function shapeLoad(label: string, server: Server, kind: Kind, poolFile: string, connections: number, once: boolean): Load {
  const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as Pool
  const source = shapeSource(kind, pool, server.url, true)
  const limit = consumesSessions(kind) ? Infinity : Math.max(1, pool.sessions.length)
  const shapes: Shape[] = []
  while (shapes.length < limit) {
    const shape = source.next()
    if (source.exhausted) break
    shapes.push(shape)
  }
  const file = `${poolFile}.${kind}.${new URL(server.url).port}.http`
  writeRequests(file, new URL(server.url).host, shapes)
  return wrkLoad(label, { url: server.url, file, once: once && consumesSessions(kind), connections })
}
