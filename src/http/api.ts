import type { FastifyReply, FastifyRequest } from 'fastify'
import type { NewAccount, Session, UserInfo } from '../auth/index.js'
import type { Config } from '../config/index.js'
import type { Runtime } from '../runtime.js'

/** A live session of a user, as `listSessions` returns it. */
export type SessionInfo = Session & { current: boolean }

/**
 * What `app.tessera` offers a host: the preHandler that protects its routes and the use cases an
 * application needs. The internals (store, key ring, Redis, metrics) stay inside.
 */
export interface TesseraApi {
  /** The resolved settings (deeply frozen). */
  readonly config: Config
  /**
   * A preHandler: requires an access token (the access cookie, or `Authorization: Bearer`) of an existing,
   * active user and sets `request.auth`. CSRF for cookie-authenticated unsafe requests is enforced on
   * every route by the plugin, with or without this.
   */
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>
  /** A user by id, through the short-lived user cache (never with the password hash); null when absent. */
  getUser(userId: number): Promise<UserInfo | null>
  /** Creates a user; `validatePassword: false` skips Django's password validators (an operator's choice). */
  createUser(account: NewAccount, options?: { validatePassword?: boolean }): Promise<UserInfo>
  /** Sets a password and revokes every session of the user. */
  setPassword(userId: number, password: string): Promise<void>
  /** Deactivation revokes every session of the user at once. */
  setActive(userId: number, active: boolean): Promise<void>
  /** Revokes the user's sessions, then deletes the user; false when there was none. */
  deleteUser(userId: number): Promise<boolean>
  /** The user's live sessions, newest first; `current` marks `options.current`. */
  listSessions(userId: number, options?: { current?: string }): Promise<SessionInfo[]>
  /** Revokes one session on every instance; false when it was already revoked or absent. */
  revokeSession(sessionId: string, options?: { reason?: string }): Promise<boolean>
  /** Revokes every session of a user except `keep`; returns how many. */
  revokeUserSessions(userId: number, options?: { reason?: string; keep?: string }): Promise<number>
  /** Stops Tessera's background jobs and connections (Fastify's `close()` does it too). */
  close(): Promise<void>
}

const withoutPassword = ({ password: _hash, ...user }: UserInfo & { password?: unknown }): UserInfo => user

/** The public face over a runtime. */
export function createApi(runtime: Runtime, authenticate: TesseraApi['authenticate']): TesseraApi {
  const { auth } = runtime
  return Object.freeze({
    config: runtime.config,
    authenticate,
    getUser: (userId) => auth.getUser(userId),
    createUser: async (account, options = {}) => withoutPassword(await auth.createUser(account, options.validatePassword ?? true)),
    setPassword: (userId, password) => auth.setPassword(userId, password),
    setActive: (userId, active) => auth.setActive(userId, active),
    deleteUser: (userId) => auth.deleteUser(userId),
    listSessions: (userId, options = {}) => auth.listSessions(userId, options.current),
    revokeSession: (sessionId, options = {}) => auth.revokeSession(sessionId, options.reason ?? 'revoked_by_host'),
    revokeUserSessions: (userId, options = {}) => auth.revokeUserSessions(userId, options.reason ?? 'revoked_by_host', options.keep),
    close: () => runtime.close(),
  } satisfies TesseraApi)
}
