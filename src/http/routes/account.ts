import type { FastifyInstance } from 'fastify'
import { checkTokenFormat, generateSecret, maskSecret, normalizeSecret } from '../../csrf/index.js'
import { setCsrfCookie, setTokenCookies } from '../cookies.js'
import { originGuard } from '../guards.js'
import { loggingInClient } from '../request.js'
import type { RouteDeps } from './deps.js'
import { emptySchema, errorResponses, passwordChangeBody, registerBody, userSchema } from '../schemas.js'

const publicUser = (u: { id: number; username: string; first_name: string; last_name: string }) => ({ id: u.id, username: u.username, first_name: u.first_name, last_name: u.last_name })

/** The CSRF token endpoint, the current user, registration and password change. */
export async function accountRoutes(app: FastifyInstance, { runtime, authenticate }: RouteDeps) {
  const { config, auth } = runtime

  app.get('/csrf_token/', {
    schema: { tags: ['csrf'], summary: 'A fresh masked CSRF token; sets the csrftoken cookie when it is absent', response: { 200: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] } } },
  }, async (request, reply) => {
    const cookie = request.cookies[config.cookies.csrf.name]
    const valid = cookie !== undefined && checkTokenFormat(cookie) === 'ok'
    const secret = valid ? normalizeSecret(cookie) : generateSecret()
    // An absent or malformed cookie gets a new secret; an older Django's 64-character masked cookie
    // is replaced with its unmasked secret, as Django 4.1+ does.
    if (!valid || cookie !== secret) setCsrfCookie(config, request, reply, secret)
    // A new mask for every response: the bytes differ each time, which defeats BREACH.
    return { token: maskSecret(secret) }
  })

  app.get('/user/', {
    preHandler: authenticate,
    schema: { tags: ['account'], summary: 'The current user', security: [{ cookieAuth: [] }, { bearerAuth: [] }], response: { 200: userSchema, ...errorResponses } },
  }, async (request) => publicUser(request.auth!.user))

  app.post<{ Body: { username: string; password: string; email?: string; first_name?: string; last_name?: string } }>('/auth/register/', {
    config: { csrf: false },
    preHandler: originGuard(runtime),
    schema: { tags: ['account'], summary: 'Create an account (Django password validation) and log it in', body: registerBody, response: { 201: userSchema, ...errorResponses } },
  }, async (request, reply) => {
    const client = loggingInClient(request)
    const { access, refresh, user } = await auth.register(request.body, client)
    setTokenCookies(config, request, reply, access, refresh)
    setCsrfCookie(config, request, reply, client.csrfSecret)
    return reply.code(201).send(publicUser(user))
  })

  app.post<{ Body: { old_password: string; new_password: string } }>('/auth/password/change/', {
    preHandler: authenticate,
    schema: { tags: ['account'], summary: 'Change the password; every other session is revoked', body: passwordChangeBody, response: { 200: emptySchema, ...errorResponses } },
  }, async (request) => {
    await auth.changePassword(request.auth!.userId, request.auth!.sessionId, request.body.old_password, request.body.new_password)
    return {}
  })
}
