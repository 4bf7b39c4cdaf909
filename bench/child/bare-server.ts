/**
 * The baseline: bare Fastify answering the scenarios' routes with fixed JSON bodies. It parses what
 * Fastify parses by default (the JSON body) and nothing else: no cookies, no tokens, no database,
 * no logger, no hooks. Listens on PORT; stops on SIGTERM.
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
const user = { id: 1, username: 'user1', first_name: 'Bench', last_name: 'User' }
const token = { token: 'x'.repeat(64) }
app.get('/healthz', async (_request, reply) => {
  reply.header('cache-control', 'no-store')
  return { status: 'ok' }
})
app.get('/accounts/user/', async () => user)
app.get('/accounts/csrf_token/', async () => token)
for (const path of ['/accounts/auth/login/', '/accounts/auth/refresh_token/', '/accounts/auth/logout/']) app.post(path, async () => ({}))
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })

process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
