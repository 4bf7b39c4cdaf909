import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RelyingParty } from '../../auth/index.js'
import type { Config } from '../../config/index.js'
import { setStepCookie, } from '../cookies.js'
import { originGuard } from '../guards.js'
import { clientInfo, loggingInClient } from '../request.js'
import { credentialBody, errorResponses, passkeySchema, passwordBody, usernameBody } from '../schemas.js'
import { at, itemPath, type RouteDeps } from './deps.js'
import { answerLogin, dialectOf } from './dialect.js'

/** WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN, or the host and origin the request came to (ALLOWED_HOSTS vouches for the Host). */
export function relyingParty(config: Config, request: FastifyRequest): RelyingParty {
  const { rpId, origins, rpName } = config.mfa.webauthn
  return { id: rpId ?? request.hostname, origins: origins.length > 0 ? origins : [`${request.protocol}://${request.host}`], name: rpName }
}

const shown = (p: { id: string; name: string; created_at: number; last_used_at: number | null }) => ({ id: p.id, name: p.name, created: new Date(p.created_at).toISOString(), last_used: p.last_used_at === null ? null : new Date(p.last_used_at).toISOString() })

/** Passkeys (CONTRACT.md, "Second factors"): registration while signed in, the list, deletion, and the login. */
export async function passkeyRoutes(app: FastifyInstance, { runtime, authenticate }: RouteDeps) {
  const { config, auth } = runtime
  const { routes } = config
  const challengeCookie = config.mfa.webauthn.cookie
  const csrfCookie = config.cookies.csrf.name
  const actor = (request: FastifyRequest) => ({ userId: request.auth!.userId, sessionId: request.auth!.sessionId })
  const checkOrigin = originGuard(runtime)

  app.route<{ Body: { password?: string } | null }>({
    ...at(routes.webauthnRegisterOptions),
    preHandler: authenticate,
    schema: { tags: ['passkeys'], summary: 'Options for navigator.credentials.create() (needs the password or a recent login); sets the challenge cookie', body: passwordBody, response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses } },
    handler: async (request, reply) => {
      const { options, token } = await auth.passkeyRegistrationOptions(actor(request), request.body?.password, relyingParty(config, request), clientInfo(request, csrfCookie))
      setStepCookie(request, reply, challengeCookie, token)
      return options
    },
  })

  app.route<{ Body: { credential: unknown; name?: string } }>({
    ...at(routes.webauthnRegister),
    preHandler: authenticate,
    schema: { tags: ['passkeys'], summary: 'Register the passkey created for the challenge; other sessions end', body: credentialBody, response: { 201: passkeySchema, ...errorResponses } },
    handler: async (request, reply) => {
      setStepCookie(request, reply, challengeCookie, null)
      const passkey = await auth.registerPasskey(actor(request), request.cookies[challengeCookie.name], request.body.credential, request.body.name, relyingParty(config, request), clientInfo(request, csrfCookie))
      const { id, name, created } = shown(passkey)
      return reply.code(201).send({ id, name, created })
    },
  })

  app.get(routes.webauthnCredentials.path, {
    preHandler: authenticate,
    schema: { tags: ['passkeys'], summary: "The user's passkeys, with names and last use", response: { 200: { type: 'array', items: passkeySchema }, ...errorResponses } },
  }, async (request) => (await auth.listPasskeys(request.auth!.userId)).map(shown))

  app.delete<{ Params: { id: string }; Body: { password?: string } | null }>(itemPath(routes.webauthnCredentials), {
    preHandler: authenticate,
    schema: { tags: ['passkeys'], summary: 'Delete a passkey (needs the password or a recent login); other sessions end', params: { type: 'object', properties: { id: { type: 'string', maxLength: 1400 } } }, body: passwordBody, response: { ...errorResponses } },
  }, async (request, reply) => {
    await auth.removePasskey(actor(request), request.params.id, request.body?.password)
    return reply.code(204).send()
  })

  app.route<{ Body: { username?: string } | null }>({
    ...at(routes.webauthnLoginOptions),
    config: { csrf: false },
    preHandler: checkOrigin,
    schema: { tags: ['passkeys'], summary: 'Options for navigator.credentials.get(): the pending login\'s user, a named user, or any discoverable passkey', body: usernameBody, response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses } },
    handler: async (request, reply) => {
      const client = clientInfo(request, csrfCookie)
      const { options, token } = await auth.passkeyLoginOptions(request.cookies[config.mfa.cookie.name], request.body?.username, relyingParty(config, request), client)
      setStepCookie(request, reply, challengeCookie, token)
      return options
    },
  })

  app.route<{ Body: { credential: unknown } }>({
    ...at(routes.webauthnLogin),
    config: { csrf: false },
    preHandler: checkOrigin,
    schema: { tags: ['passkeys'], summary: 'Passwordless login with a discoverable passkey (user verification required): sets the auth cookies', body: credentialBody, response: { 200: dialectOf(config).loggedInSchema, ...errorResponses } },
    handler: async (request, reply) => {
      setStepCookie(request, reply, challengeCookie, null)
      const next = loggingInClient(request)
      const pair = await auth.loginWithPasskey(request.cookies[challengeCookie.name], request.body.credential, relyingParty(config, request), clientInfo(request, csrfCookie), next)
      return answerLogin(config, request, reply, pair, next.csrfSecret)
    },
  })
}
