import type { FastifyInstance } from 'fastify'
import { checkTokenFormat, generateSecret, maskSecret, normalizeSecret } from '../../csrf/index.js'
import { deleteTokenCookies, setCsrfCookie, setTokenCookies } from '../cookies.js'
import { originGuard } from '../guards.js'
import { loggingInClient } from '../request.js'
import { at, type RouteDeps } from './deps.js'
import { dialectOf } from './dialect.js'
import { errorResponses, passwordBody, profileBody } from '../schemas.js'

type ProfileBody = { username?: string; first_name?: string; last_name?: string; email?: string; password?: string }

/** The CSRF token endpoint, the current user, registration and password change. */
export async function accountRoutes(app: FastifyInstance, { runtime, authenticate }: RouteDeps) {
  const { config, auth } = runtime
  const { routes } = config
  const dialect = dialectOf(config)
  const tokenKey = config.csrf.tokenResponseKey

  app.route({
    ...at(routes.csrfToken),
    schema: { tags: ['csrf'], summary: 'A fresh masked CSRF token; sets the csrftoken cookie when it is absent', response: { 200: { type: 'object', properties: { [tokenKey]: { type: 'string' } }, required: [tokenKey] } } },
    handler: async (request, reply) => {
      const cookie = request.cookies[config.cookies.csrf.name]
      const valid = cookie !== undefined && checkTokenFormat(cookie) === 'ok'
      const secret = valid ? normalizeSecret(cookie) : generateSecret()
      // An absent or malformed cookie gets a new secret; an older Django's 64-character masked cookie
      // is replaced with its unmasked secret, as Django 4.1+ does.
      if (!valid || cookie !== secret) setCsrfCookie(config, request, reply, secret)
      // A new mask for every response: the bytes differ each time, which defeats BREACH.
      return { [tokenKey]: maskSecret(secret) }
    },
  })

  app.get(routes.user.path, {
    preHandler: authenticate,
    schema: { tags: ['account'], summary: 'The current user', security: [{ cookieAuth: [] }, { bearerAuth: [] }], response: { 200: dialect.userSchema, ...errorResponses } },
  }, async (request) => dialect.user(request.auth!.user))

  // dj-rest-auth's UserDetailsView: PATCH is partial, PUT needs the username. A new email is confirmed first.
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route<{ Body: ProfileBody }>({
      method,
      url: routes.user.path,
      preHandler: authenticate,
      schema: { tags: ['account'], summary: 'Update the profile; an email change is mailed for confirmation (needs the password or a recent login)', body: profileBody, response: { 200: dialect.userSchema, ...errorResponses } },
      handler: async (request) => {
        const { userId, sessionId } = request.auth!
        await auth.updateProfile({ userId, sessionId }, request.body ?? {}, method === 'PUT')
        const user = await auth.getUser(userId)
        return dialect.user(user ?? request.auth!.user)
      },
    })
  }

  app.delete<{ Body: { password?: string } | null }>(routes.user.path, {
    preHandler: authenticate,
    schema: { tags: ['account'], summary: 'Delete the account (needs the password or a recent login): every session ends, cookies are deleted', body: passwordBody, response: { ...errorResponses } },
  }, async (request, reply) => {
    const { userId, sessionId } = request.auth!
    await auth.deleteOwnAccount({ userId, sessionId }, request.body?.password)
    deleteTokenCookies(config, request, reply)
    return reply.code(204).send()
  })

  app.route<{ Body: Record<string, string> }>({
    ...at(routes.register),
    config: { csrf: false },
    preHandler: originGuard(runtime),
    schema: { tags: ['account'], summary: 'Create an account (Django password validation) and log it in', body: dialect.registerSchema, response: { 201: dialect.registeredSchema, ...errorResponses } },
    handler: async (request, reply) => {
      const client = loggingInClient(request)
      const { user, pair } = await dialect.fieldsOf(() => auth.registerAccount(dialect.account(request.body), client))
      // EMAIL_VERIFICATION=mandatory: the account exists, the session waits for the confirmation.
      if (pair) {
        setTokenCookies(config, request, reply, pair.access, pair.refresh)
        setCsrfCookie(config, request, reply, client.csrfSecret)
      }
      return reply.code(201).send(dialect.registered(user, pair !== null))
    },
  })

  app.route<{ Body: Record<string, string> }>({
    ...at(routes.passwordChange),
    preHandler: authenticate,
    schema: { tags: ['account'], summary: 'Change the password; every other session is revoked', body: dialect.passwordChangeSchema, response: { 200: dialect.passwordChangedSchema, ...errorResponses } },
    handler: async (request) => {
      const passwords = dialect.passwords(request.body)
      await dialect.fieldsOf(() => auth.changePassword(request.auth!.userId, request.auth!.sessionId, passwords.old, passwords.new, passwords.confirm))
      return dialect.passwordChanged
    },
  })
}
