import type { Config } from '../config/index.js'
import type { PasswordHasher } from '../passwords/index.js'
import type { TokenService } from '../tokens/index.js'
import type { Audit, AuthContext, ClientInfo } from './context.js'
import { login } from './login.js'
import { LoginLimiter, MemoryCounters, type CounterStore } from './rate-limit.js'
import { refresh } from './refresh.js'
import { RevocationList } from './revocations.js'
import { authenticateAccess, changePassword, listSessions, logout, logoutSession, revokeOwnSession, revokeSession, revokeUserSessions, verifyAnyToken } from './sessions.js'
import type { Store } from './store.js'
import { UserCache } from './user-cache.js'
import { getActiveUser } from './active.js'
import { createUser, deleteUser, register, renameUser, setActive, setPassword, type NewAccount } from './users.js'

export interface AuthServiceDeps {
  store: Store
  tokens: TokenService
  hasher: PasswordHasher
  counters?: CounterStore
  audit?: Audit
  now?: () => number
}

/** The use cases, bound to their dependencies. The HTTP layer and the CLI both use this. */
export function createAuthService(config: Pick<Config, 'tokens' | 'registrationEnabled' | 'userCacheTtl' | 'rateLimit' | 'simplejwtCompat' | 'usernameAllowMixedScripts'>, deps: AuthServiceDeps) {
  const now = deps.now ?? Date.now
  const audit = deps.audit ?? (() => {})
  const ctx: AuthContext = {
    settings: { ...config.tokens, registrationEnabled: config.registrationEnabled, simplejwtCompat: config.simplejwtCompat, usernameAllowMixedScripts: config.usernameAllowMixedScripts },
    store: deps.store,
    tokens: deps.tokens,
    hasher: deps.hasher,
    revocations: new RevocationList((config.tokens.accessLifetime + config.tokens.leeway) * 1000, now),
    users: new UserCache(deps.store, config.userCacheTtl * 1000, 50_000, now),
    limiter: new LoginLimiter(config.rateLimit, deps.counters ?? new MemoryCounters(), now, audit),
    audit,
    now,
  }
  return {
    context: ctx,
    revocations: ctx.revocations,
    /** Loads the sessions revoked within the access lifetime into the in-memory set (start-up and catch-up). */
    async syncRevocations(): Promise<number> {
      const since = now() - (config.tokens.accessLifetime + config.tokens.leeway) * 1000
      const rows = await ctx.store.revokedSince(since)
      for (const row of rows) ctx.revocations.add(row.id, row.revoked_at, false)
      return rows.length
    },
    login: (username: string, password: string, client: ClientInfo) => login(ctx, username, password, client),
    refresh: (token: string, client: ClientInfo) => refresh(ctx, token, client),
    logout: (refreshToken: string) => logout(ctx, refreshToken),
    logoutSession: (sessionId: string, userId: number) => logoutSession(ctx, sessionId, userId),
    authenticateAccess: (token: string) => authenticateAccess(ctx, token),
    verifyAnyToken: (token: string) => verifyAnyToken(ctx, token),
    getUser: (id: number) => ctx.users.get(id),
    /** The user behind a request, through the cache; throws unless they exist and are active. */
    getActiveUser: (id: number) => getActiveUser(ctx, id),
    register: (account: NewAccount, client: ClientInfo) => register(ctx, account, client),
    createUser: (account: NewAccount, checkPassword?: boolean) => createUser(ctx, account, checkPassword),
    setPassword: (userId: number, password: string) => setPassword(ctx, userId, password),
    setActive: (userId: number, active: boolean) => setActive(ctx, userId, active),
    renameUser: (userId: number, username: string) => renameUser(ctx, userId, username),
    deleteUser: (userId: number) => deleteUser(ctx, userId),
    changePassword: (userId: number, sessionId: string | undefined, oldPassword: string, newPassword: string) => changePassword(ctx, userId, sessionId, oldPassword, newPassword),
    listSessions: (userId: number, currentId: string | undefined) => listSessions(ctx, userId, currentId),
    revokeOwnSession: (userId: number, sessionId: string) => revokeOwnSession(ctx, userId, sessionId),
    revokeSession: (sessionId: string, reason: string) => revokeSession(ctx, sessionId, reason),
    revokeUserSessions: (userId: number, reason: string, keep?: string) => revokeUserSessions(ctx, userId, reason, keep),
    flushExpired: () => ctx.store.flushExpired(now()),
  }
}

export type AuthService = ReturnType<typeof createAuthService>
