/**
 * Type tests of the public API, checked by `npm run typecheck:types` (tsc), in the way
 * @fastify/csrf-protection tests its types: each line compiles, each `@ts-expect-error` must fail.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { optionsFromEnv, tessera, type Config, type RequestAuth, type TesseraApi, type TesseraOptions, type UserInfo } from '../../src/index.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T>(_value: T): void => {}
const assertEqual = <A, B>(_proof: Equal<A, B>): void => {}

const app = Fastify()

// Options: typed, partial, nested; durations carry their unit.
await app.register(tessera, { prefix: '/auth', tokens: { secretKey: process.env.SECRET_KEY, accessLifetime: '5m' }, database: { url: './data/app.sqlite3', timeout: '2s' } })
await app.register(tessera, { ...optionsFromEnv(process.env), prefix: '/auth' })
await app.register(tessera, {})
// @ts-expect-error a duration without its unit
await app.register(tessera, { tokens: { accessLifetime: 300 } })
// @ts-expect-error an unknown unit
await app.register(tessera, { tokens: { accessLifetime: '5 minutes' } })
// @ts-expect-error the cookie's SameSite is one of three
await app.register(tessera, { cookies: { sameSite: 'lax' } })
// @ts-expect-error an unknown group
await app.register(tessera, { token: {} })
const options: TesseraOptions = { rateLimit: { enabled: false }, scale: { flushExpiredEvery: false } }
expectType<TesseraOptions>(options)

// app.tessera: the declared face, not the runtime bag.
expectType<TesseraApi>(app.tessera)
expectType<Config>(app.tessera.config)
expectType<(request: FastifyRequest, reply: FastifyReply) => Promise<void>>(app.tessera.authenticate)
expectType<Promise<UserInfo | null>>(app.tessera.getUser(1))
expectType<Promise<number>>(app.tessera.revokeUserSessions(1, { reason: 'admin', keep: 'sid' }))
await app.tessera.createUser({ username: 'u', password: 'p' }, { validatePassword: false })
// @ts-expect-error the store is not public
void app.tessera.store
// @ts-expect-error nor the token service
void app.tessera.tokens
// @ts-expect-error the config is read-only
// biome-ignore lint/correctness/noSelfAssign: the assignment is what the type test forbids
app.tessera.config = app.tessera.config

// request.auth: the session and the user.
app.get('/me', { preHandler: app.tessera.authenticate }, async (request) => {
  assertEqual<typeof request.auth, RequestAuth | null>(true)
  const auth = request.auth!
  expectType<number>(auth.userId)
  expectType<string | undefined>(auth.sessionId)
  expectType<'bearer' | 'cookie'>(auth.via)
  expectType<string>(auth.user.username)
  expectType<boolean>(auth.user.is_active)
  // @ts-expect-error the password hash is never handed out
  void auth.user.password
  return auth.user.username
})

// Route config: the visible CSRF opt-out.
app.post('/webhook', { config: { csrf: false } }, async () => ({ ok: true }))
// @ts-expect-error csrf is a boolean
app.post('/webhook2', { config: { csrf: 'no' } }, async () => ({ ok: true }))
