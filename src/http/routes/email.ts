import type { FastifyInstance } from 'fastify'
import { RESET_DONE, RESET_SENT } from '../../auth/index.js'
import { ValidationError } from '../../errors.js'
import { originGuard } from '../guards.js'
import { clientInfo } from '../request.js'
import { detailOnly, emailBody, errorResponses, keyBody, resetConfirmBody } from '../schemas.js'
import { at, type RouteDeps } from './deps.js'

/**
 * The answers that must not tell whether an account has the address (reset, resend) take at least this
 * long, known address or not: the work behind them differs (a mail rendered and queued, or nothing), the
 * time seen by the client does not. Well above what that work takes on SQLite or PostgreSQL.
 */
export const EQUAL_ANSWER_MS = 250

/** Runs `work`, then waits out what remains of EQUAL_ANSWER_MS; an error waits too, then is thrown. */
async function inEqualTime(work: () => Promise<void>): Promise<void> {
  const started = performance.now()
  let failure: unknown
  try {
    await work()
  } catch (error) {
    failure = error
  }
  const left = EQUAL_ANSWER_MS - (performance.now() - started)
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left))
  if (failure !== undefined) throw failure
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
/** DRF's EmailField. */
function checkEmail(email: string): void {
  if (!EMAIL.test(email)) throw new ValidationError({ email: ['Enter a valid email address.'] })
}

/**
 * Password reset and email verification, with dj-rest-auth's paths and bodies. They take no session, so
 * they get the Origin check that login gets instead of the CSRF token.
 */
export async function emailRoutes(app: FastifyInstance, { runtime }: RouteDeps) {
  const { auth, config } = runtime
  const { routes } = config
  const checkOrigin = originGuard(runtime)
  const open = { csrf: false } as const

  app.route<{ Body: { email: string } }>({
    ...at(routes.passwordReset),
    config: open,
    preHandler: checkOrigin,
    schema: { tags: ['account'], summary: 'Mail a password-reset link; the same answer whether or not an account has the address', body: emailBody, response: { 200: detailOnly, ...errorResponses } },
    handler: async (request) => {
      checkEmail(request.body.email)
      await inEqualTime(() => auth.requestPasswordReset(request.body.email, clientInfo(request, config.cookies.csrf.name)))
      return { detail: RESET_SENT }
    },
  })

  app.route<{ Body: { uid: string; token: string; new_password1: string; new_password2: string } }>({
    ...at(routes.passwordResetConfirm),
    config: open,
    preHandler: checkOrigin,
    schema: { tags: ['account'], summary: "Set a new password with the mailed uid and token (Django's tokens); every session ends", body: resetConfirmBody, response: { 200: detailOnly, ...errorResponses } },
    handler: async (request) => {
      await auth.confirmPasswordReset(request.body, clientInfo(request, config.cookies.csrf.name))
      return { detail: RESET_DONE }
    },
  })

  app.route<{ Body: { key: string } }>({
    ...at(routes.verifyEmail),
    config: open,
    preHandler: checkOrigin,
    schema: { tags: ['account'], summary: 'Confirm an email address (or an email change) with the mailed key', body: keyBody, response: { 200: detailOnly, 404: detailOnly, ...errorResponses } },
    handler: async (request) => {
      await auth.verifyEmail(request.body.key)
      return { detail: 'ok' }
    },
  })

  app.route<{ Body: { email: string } }>({
    ...at(routes.resendEmail),
    config: open,
    preHandler: checkOrigin,
    schema: { tags: ['account'], summary: 'Mail the confirmation again; the same answer whatever the address', body: emailBody, response: { 200: detailOnly, ...errorResponses } },
    handler: async (request) => {
      checkEmail(request.body.email)
      await inEqualTime(() => auth.resendConfirmation(request.body.email, clientInfo(request, config.cookies.csrf.name)))
      return { detail: 'ok' }
    },
  })
}
