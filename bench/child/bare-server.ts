/**
 * The baseline: bare Fastify answering the scenarios' routes with fixed JSON bodies. It parses what
 * Fastify parses by default (the JSON body) and nothing else: no cookies, no tokens, no database.
 */
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'

const app = Fastify({ logger: false })
const user = { id: 1, username: 'user1', first_name: 'Bench', last_name: 'User' }
const token = { token: 'x'.repeat(64) }
app.get('/accounts/user/', async () => user)
app.get('/accounts/csrf_token/', async () => token)
for (const path of ['/accounts/auth/login/', '/accounts/auth/refresh_token/', '/accounts/auth/logout/']) app.post(path, async () => ({}))
await app.listen({ host: '127.0.0.1', port: 0 })

async function stop(): Promise<void> {
  await app.close()
  process.exit(0)
}
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') void stop()
})
process.on('disconnect', () => void stop())
process.send!({ type: 'ready', port: (app.server.address() as AddressInfo).port })
