import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ClientInfo, MfaChallenge } from '../../auth/index.js'
import type { Config } from '../../config/index.js'
import { setCsrfCookie, setStepCookie, } from '../cookies.js'
import { originGuard } from '../guards.js'
import { clientInfo, loggingInClient } from '../request.js'
import { relyingParty } from './passkeys.js'
import { codeBody, errorResponses, passwordBody, recoveryCodesAnswer, secondFactorBody, totpRemoveBody, totpSetupAnswer } from '../schemas.js'
import { at, type RouteDeps } from './deps.js'
import { answerLogin, dialectOf } from './dialect.js'

/**
 * The login route's answer for an account with a second factor: no auth cookies, the HttpOnly
 * `mfa_pending` cookie (the pending login) and the CSRF secret the pending login is bound to.
 */
export function answerMfaRequired(config: Config, request: FastifyRequest, reply: FastifyReply, client: ClientInfo, challenge: MfaChallenge) {
  setStepCookie(request, reply, config.mfa.cookie, challenge.token)
  setCsrfCookie(config, request, reply, client.csrfSecret)
  return { mfa_required: true, methods: challenge.methods }
}

type Proof = { code?: string; password?: string }

/** TOTP enrolment and removal, and the login's second step (CONTRACT.md, "Second factors"). */
export async function mfaRoutes(app: FastifyInstance, { runtime, authenticate }: RouteDeps) {
  const { config, auth } = runtime
  const { routes } = config
  const actor = (request: FastifyRequest) => ({ userId: request.auth!.userId, sessionId: request.auth!.sessionId })

  app.post<{ Body: { password?: string } | null }>(routes.mfaTotp.path, {
    preHandler: authenticate,
    schema: { tags: ['mfa'], summary: 'Start TOTP enrolment (needs the password): the secret, its otpauth:// URL and a QR code as SVG', body: passwordBody, response: { 200: totpSetupAnswer, ...errorResponses } },
  }, async (request) => auth.setupTotp(actor(request), request.body?.password))

  app.delete<{ Body: Proof | null }>(routes.mfaTotp.path, {
    preHandler: authenticate,
    schema: { tags: ['mfa'], summary: 'Remove TOTP and the recovery codes, with a current code or the password; other sessions end', body: totpRemoveBody, response: { ...errorResponses } },
  }, async (request, reply) => {
    await auth.disableTotp(actor(request), { ...(request.body?.code !== undefined && { code: request.body.code }), ...(request.body?.password !== undefined && { password: request.body.password }) })
    return reply.code(204).send()
  })

  app.route<{ Body: { code: string } }>({
    ...at(routes.mfaTotpActivate),
    preHandler: authenticate,
    schema: { tags: ['mfa'], summary: 'Activate TOTP with a code from it: the 10 recovery codes, shown this once; other sessions end', body: codeBody, response: { 200: recoveryCodesAnswer, ...errorResponses } },
    handler: async (request) => ({ recovery_codes: await auth.activateTotp(actor(request), request.body.code) }),
  })

  app.route<{ Body: { code?: string; recovery_code?: string; webauthn?: unknown } }>({
    ...at(routes.mfaVerify),
    // A login step: no session yet, so the Origin check that login gets (the pending cookie is the credential).
    config: { csrf: false },
    preHandler: originGuard(runtime),
    schema: { tags: ['mfa'], summary: 'Second login step: a TOTP code, a recovery code or a passkey assertion completes the pending login, as a plain login', body: secondFactorBody, response: { 200: dialectOf(config).loggedInSchema, ...errorResponses } },
    handler: async (request, reply) => {
      const next = loggingInClient(request)
      const { code, recovery_code, webauthn } = request.body
      const factor = { ...(code !== undefined && { code }), ...(recovery_code !== undefined && { recovery_code }), ...(webauthn !== undefined && { webauthn }) }
      const ceremony = { challengeToken: request.cookies[config.mfa.webauthn.cookie.name], rp: relyingParty(config, request) }
      if (webauthn !== undefined) setStepCookie(request, reply, config.mfa.webauthn.cookie, null)
      const pair = await auth.verifySecondFactor(request.cookies[config.mfa.cookie.name], factor, clientInfo(request, config.cookies.csrf.name), next, ceremony)
      setStepCookie(request, reply, config.mfa.cookie, null)
      return answerLogin(config, request, reply, pair, next.csrfSecret)
    },
  })
}
