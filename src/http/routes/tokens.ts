import type { FastifyInstance } from 'fastify'
import { TesseraError } from '../../errors.js'
import { TokenInvalidError } from '../../tokens/index.js'
import { deleteTokenCookies, setTokenCookies } from '../cookies.js'
import { originGuard } from '../guards.js'
import { clientInfo, loggingInClient } from '../request.js'
import { at, type RouteDeps } from './deps.js'
import { answerLogin, dialectOf, loginAnswerSchema } from './dialect.js'
import { credentialsBody, emptySchema, errorResponses, verifyBody } from '../schemas.js'
import { answerMfaRequired } from './mfa.js'

const NO_REFRESH_COOKIE = new TesseraError('ERR_TOKEN_MISSING', 'Refresh token was not included in the cookie.')

/** Login, refresh, logout and verify: the token endpoints of the contract. */
export async function tokenRoutes(app: FastifyInstance, { runtime, authenticate }: RouteDeps) {
  const { config, auth } = runtime
  const { routes } = config
  const dialect = dialectOf(config)
  const refreshCookie = config.cookies.refresh.name
  const checkOrigin = originGuard(runtime)

  app.route<{ Body: { username: string; password: string } }>({
    ...at(routes.login),
    config: { csrf: false },
    preHandler: checkOrigin,
    schema: { tags: ['auth'], summary: 'Log in: sets the access and refresh cookies and rotates the CSRF cookie (or asks for the second factor)', body: credentialsBody, response: { 200: loginAnswerSchema(config), ...errorResponses } },
    handler: async (request, reply) => {
      const client = loggingInClient(request)
      const step = await auth.beginLogin(request.body.username, request.body.password, client)
      if ('mfa' in step) return answerMfaRequired(config, request, reply, client, step.mfa)
      return answerLogin(config, request, reply, step, client.csrfSecret)
    },
  })

  app.route({
    ...at(routes.refresh),
    config: { csrf: false },
    preHandler: checkOrigin,
    schema: { tags: ['auth'], summary: 'New access cookie (and, with rotation, a new refresh cookie) from the refresh cookie', response: { 200: emptySchema, ...errorResponses } },
    handler: async (request, reply) => {
      const token = request.cookies[refreshCookie]
      if (!token) throw NO_REFRESH_COOKIE
      const { access, refresh } = await auth.refresh(token, clientInfo(request, config.cookies.csrf.name))
      setTokenCookies(config, request, reply, access, refresh)
      return {}
    },
  })

  app.route({
    ...at(routes.logout),
    schema: { tags: ['auth'], summary: 'Log out: blacklists the refresh token, revokes its session and deletes both cookies', response: { 200: dialect.loggedOutSchema, ...errorResponses } },
    // Works with only the refresh cookie too (the access token may have expired): the refresh cookie
    // is then the credential, and the plugin's CSRF hook has already required the token for it.
    preHandler: async (request, reply) => {
      if (request.headers.authorization === undefined && request.cookies[refreshCookie]) return
      return authenticate(request, reply)
    },
    handler: async (request, reply) => {
      const token = request.cookies[refreshCookie]
      if (token) await auth.logout(token)
      // A Bearer client holds no refresh cookie: its access token names the session to end.
      else if (request.auth?.via === 'bearer' && request.auth.sessionId !== undefined) await auth.logoutSession(request.auth.sessionId, request.auth.userId)
      else throw dialect.noRefreshCookie
      deleteTokenCookies(config, request, reply)
      return dialect.loggedOut
    },
  })

  app.route<{ Body: { token: string } }>({
    ...at(routes.verify),
    config: { csrf: false },
    schema: { tags: ['auth'], summary: "SimpleJWT's verify: 200 when the token is valid and not revoked", body: verifyBody, response: { 200: emptySchema, ...errorResponses } },
    handler: async (request) => {
      try {
        await auth.verifyAnyToken(request.body.token)
      } catch (error) {
        // SimpleJWT's views answer {detail, code}, not the authentication-failure shape of an access token.
        if (error instanceof TokenInvalidError) throw new TokenInvalidError('refresh', error.message, error.reason)
        throw error
      }
      return {}
    },
  })
}
