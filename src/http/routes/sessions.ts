import type { FastifyInstance } from 'fastify'
import { deleteTokenCookies } from '../cookies.js'
import { at, itemPath, type RouteDeps } from './deps.js'
import { errorResponses, sessionSchema } from '../schemas.js'

/** Session management: list, revoke one, log out everywhere. */
export async function sessionRoutes(app: FastifyInstance, { runtime, authenticate }: RouteDeps) {
  const { config, auth } = runtime
  const { routes } = config

  app.route({
    ...at(routes.sessions),
    preHandler: authenticate,
    schema: { tags: ['sessions'], summary: "The user's live sessions", response: { 200: { type: 'array', items: sessionSchema }, ...errorResponses } },
    handler: async (request) => {
      const sessions = await auth.listSessions(request.auth!.userId, request.auth!.sessionId)
      return sessions.map((s) => ({
        id: s.id,
        created: new Date(s.created_at).toISOString(),
        last_used: new Date(s.last_used_at).toISOString(),
        user_agent: s.user_agent,
        ip: s.ip,
        current: s.current,
      }))
    },
  })

  app.delete<{ Params: { id: string } }>(itemPath(routes.sessions), {
    preHandler: authenticate,
    schema: { tags: ['sessions'], summary: 'Revoke one of your sessions', params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] }, response: { 204: { type: 'null' }, 404: errorResponses[401], ...errorResponses } },
  }, async (request, reply) => {
    await auth.revokeOwnSession(request.auth!.userId, request.params.id)
    if (request.params.id === request.auth!.sessionId) deleteTokenCookies(config, request, reply)
    return reply.code(204).send()
  })

  app.route<{ Body: { keep_current?: boolean } | undefined }>({
    ...at(routes.logoutAll),
    preHandler: authenticate,
    schema: {
      tags: ['sessions'],
      summary: 'Revoke every session of the user (keep_current: true spares this one)',
      body: { type: ['object', 'null'], properties: { keep_current: { type: 'boolean' } } },
      response: { 200: { type: 'object', properties: { revoked: { type: 'integer' } } }, ...errorResponses },
    },
    handler: async (request, reply) => {
      const keep = request.body?.keep_current === true ? request.auth!.sessionId : undefined
      const revoked = await auth.revokeUserSessions(request.auth!.userId, 'logout_all', keep)
      if (!keep) deleteTokenCookies(config, request, reply)
      return { revoked }
    },
  })
}
