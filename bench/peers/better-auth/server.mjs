/** better-auth on node:http (its own `toNodeHandler`, the cheapest way to serve it), on PORT. */
import { createServer } from 'node:http'
import { toNodeHandler } from 'better-auth/node'
import { makeAuth } from './auth.mjs'

const { auth, db } = makeAuth()
const server = createServer(toNodeHandler(auth))
server.keepAliveTimeout = 65_000
server.listen(Number(process.env.PORT), '127.0.0.1')

process.once('SIGTERM', () => {
  server.close(() => {
    db.close()
    process.exit(0)
  })
  server.closeAllConnections()
})
