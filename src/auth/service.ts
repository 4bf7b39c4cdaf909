import type { Config } from '../config/index.js'
import type { PasswordHasher } from '../passwords/index.js'
import type { TokenService } from '../tokens/index.js'
import type { Audit, AuthContext, ClientInfo, MailComposer } from './context.js'
import { beginLogin, login } from './login.js'
import { activateTotp, disableTotp, removeFactors, setupTotp } from './mfa.js'
import { loginWithPasskey, verifySecondFactor, type Ceremony, type SecondFactor } from './mfa-verify.js'
import { loginOptions, registerPasskey, registrationOptions, removePasskey } from './passkeys.js'
import { takeChallenge, type RelyingParty } from './webauthn-challenge.js'
import { MailLimiter } from './mail-limit.js'
import { LoginLimiter, MemoryCounters, type CounterStore } from './rate-limit.js'
import { refresh } from './refresh.js'
import { RevocationList } from './revocations.js'
import { authenticateAccess, changePassword, listSessions, logout, logoutSession, revokeOwnSession, revokeSession, revokeUserSessions, verifyAnyToken } from './sessions.js'
import type { Store } from './store.js'
import { UserCache } from './user-cache.js'
import { cachedActiveUser, getActiveUser } from './active.js'
import { createUser, deleteUser, register, registerAccount, renameUser, setActive, setPassword, type NewAccount } from './users.js'
import { confirmPasswordReset, requestPasswordReset, type ResetConfirmation } from './password-reset.js'
import { resendConfirmation, verifyEmail } from './email-verification.js'
import { deleteOwnAccount, updateProfile, type Actor, type ProfileChange } from './profile.js'

export interface AuthServiceDeps {
  store: Store
  tokens: TokenService
  hasher: PasswordHasher
  counters?: CounterStore
  audit?: Audit
  now?: () => number
  /** Renders mail for the outbox; without it the account routes that send mail answer 503. */
  mail?: MailComposer
}

/** The use cases, bound to their dependencies. The HTTP layer and the CLI both use this. */
export function createAuthService(config: Pick<Config, 'tokens' | 'registrationEnabled' | 'userCacheTtl' | 'rateLimit' | 'simplejwtCompat' | 'usernameAllowMixedScripts'> & Partial<Pick<Config, 'accounts' | 'email' | 'mfa'>>, deps: AuthServiceDeps) {
  const now = deps.now ?? Date.now
  const audit = deps.audit ?? (() => {})
  const counters = deps.counters ?? new MemoryCounters()
  const ctx: AuthContext = {
    settings: { ...config.tokens, registrationEnabled: config.registrationEnabled, simplejwtCompat: config.simplejwtCompat, usernameAllowMixedScripts: config.usernameAllowMixedScripts },
    store: deps.store,
    tokens: deps.tokens,
    hasher: deps.hasher,
    revocations: new RevocationList((config.tokens.accessLifetime + config.tokens.leeway) * 1000, now),
    users: new UserCache(deps.store, config.userCacheTtl * 1000, 50_000, now),
    limiter: new LoginLimiter(config.rateLimit, counters, now, audit),
    audit,
    now,
    mfa: {
      issuer: config.mfa?.issuer ?? 'Tessera',
      pendingLifetime: config.mfa?.pendingLifetime ?? 300,
      pendingMaxAttempts: config.rateLimit.enabled ? (config.mfa?.pendingMaxAttempts ?? 5) : Number.POSITIVE_INFINITY,
      challengeLifetime: config.mfa?.webauthn.challengeLifetime ?? 300,
      maxCredentials: config.mfa?.webauthn.maxCredentials ?? 20,
    },
    ...(config.accounts && { accounts: config.accounts }),
    ...(deps.mail && { mail: deps.mail }),
  }
  ctx.mailLimiter = new MailLimiter({ enabled: config.rateLimit.enabled, perAddressPerHour: config.email?.perAddressPerHour ?? 5 }, counters, now, audit)
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
    /** The login route's step: a session, or `{mfa}` (a pending login) for an account with a second factor. */
    beginLogin: (username: string, password: string, client: ClientInfo) => beginLogin(ctx, username, password, client),
    verifySecondFactor: (token: string | undefined, factor: SecondFactor, client: ClientInfo, next: ClientInfo, ceremony?: Ceremony) => verifySecondFactor(ctx, token, factor, client, next, ceremony),
    passkeyRegistrationOptions: (actor: Actor, password: string | undefined, rp: RelyingParty, client: ClientInfo) => registrationOptions(ctx, actor, password, rp, client),
    registerPasskey: async (actor: Actor, challengeToken: string | undefined, credential: unknown, name: string | undefined, rp: RelyingParty, client: ClientInfo) => {
      const { challenge } = await takeChallenge(ctx, challengeToken, 'register', client, actor.userId)
      return registerPasskey(ctx, actor, challenge, credential, name, rp)
    },
    listPasskeys: (userId: number) => ctx.store.listPasskeys(userId),
    removePasskey: (actor: Actor, id: string, password: string | undefined) => removePasskey(ctx, actor, id, password),
    passkeyLoginOptions: (pendingToken: string | undefined, username: string | undefined, rp: RelyingParty, client: ClientInfo) => loginOptions(ctx, pendingToken, username, rp, client),
    loginWithPasskey: (challengeToken: string | undefined, credential: unknown, rp: RelyingParty, client: ClientInfo, next: ClientInfo) => loginWithPasskey(ctx, challengeToken, credential, rp, client, next),
    setupTotp: (actor: Actor, password: string | undefined) => setupTotp(ctx, actor, password),
    activateTotp: (actor: Actor, code: string) => activateTotp(ctx, actor, code),
    disableTotp: (actor: Actor, proof: { code?: string; password?: string }) => disableTotp(ctx, actor, proof),
    /** The operator's reset (`tessera mfa reset`): every factor goes, every session ends; false when there was none. */
    resetFactors: async (userId: number) => {
      const user = await ctx.store.findUserById(userId)
      return user ? removeFactors(ctx, user, 'mfa_reset') : false
    },
    refresh: (token: string, client: ClientInfo) => refresh(ctx, token, client),
    logout: (refreshToken: string) => logout(ctx, refreshToken),
    logoutSession: (sessionId: string, userId: number) => logoutSession(ctx, sessionId, userId),
    authenticateAccess: (token: string) => authenticateAccess(ctx, token),
    verifyAnyToken: (token: string) => verifyAnyToken(ctx, token),
    getUser: (id: number) => ctx.users.get(id),
    /** The user behind a request, through the cache; throws unless they exist and are active. */
    getActiveUser: (id: number) => getActiveUser(ctx, id),
    /** The same user when the cache holds them fresh and active, synchronously; else undefined. */
    cachedActiveUser: (id: number) => cachedActiveUser(ctx, id),
    register: (account: NewAccount, client: ClientInfo) => register(ctx, account, client),
    registerAccount: (account: NewAccount, client: ClientInfo) => registerAccount(ctx, account, client),
    requestPasswordReset: (email: string, client: ClientInfo) => requestPasswordReset(ctx, email, client),
    confirmPasswordReset: (body: ResetConfirmation, client: ClientInfo) => confirmPasswordReset(ctx, body, client),
    verifyEmail: (key: string) => verifyEmail(ctx, key),
    resendConfirmation: (email: string, client: ClientInfo) => resendConfirmation(ctx, email, client),
    updateProfile: (actor: Actor, change: ProfileChange, replace: boolean) => updateProfile(ctx, actor, change, replace),
    deleteOwnAccount: (actor: Actor, password: string | undefined) => deleteOwnAccount(ctx, actor, password),
    createUser: (account: NewAccount, checkPassword?: boolean) => createUser(ctx, account, checkPassword),
    setPassword: (userId: number, password: string) => setPassword(ctx, userId, password),
    setActive: (userId: number, active: boolean) => setActive(ctx, userId, active),
    renameUser: (userId: number, username: string) => renameUser(ctx, userId, username),
    deleteUser: (userId: number) => deleteUser(ctx, userId),
    changePassword: (userId: number, sessionId: string | undefined, oldPassword: string, newPassword: string, confirm?: string) => changePassword(ctx, userId, sessionId, oldPassword, newPassword, confirm),
    listSessions: (userId: number, currentId: string | undefined) => listSessions(ctx, userId, currentId),
    revokeOwnSession: (userId: number, sessionId: string) => revokeOwnSession(ctx, userId, sessionId),
    revokeSession: (sessionId: string, reason: string) => revokeSession(ctx, sessionId, reason),
    revokeUserSessions: (userId: number, reason: string, keep?: string) => revokeUserSessions(ctx, userId, reason, keep),
    flushExpired: () => ctx.store.flushExpired(now()),
  }
}

export type AuthService = ReturnType<typeof createAuthService>
