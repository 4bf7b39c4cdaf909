import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createSigner } from 'fast-jwt'
import { addUser, CLIENT, createUseCases, PASSWORD, rejectsWith, throwsWith, TOKENS } from './support.js'

async function twoLogins() {
  const u = createUseCases()
  const user = await addUser(u)
  const laptop = await u.auth.login('alice', PASSWORD, CLIENT)
  u.clock.advance(1)
  const phone = await u.auth.login('alice', PASSWORD, { ip: '198.51.100.9', userAgent: 'Phone', csrfSecret: '' })
  u.audit.length = 0
  return { u, user, laptop, phone }
}

describe('logout and revocation (use cases, no HTTP)', () => {
  test('logout ends the session: its access token dies at once, its refresh token is blacklisted, other sessions live', async () => {
    const { u, user, laptop, phone } = await twoLogins()
    await u.auth.logout(laptop.refresh.token)
    assert.deepEqual(u.events(), ['session_revoked', 'logout'])
    throwsWith(() => u.auth.authenticateAccess(laptop.access.token), 'ERR_TOKEN_BLACKLISTED')
    await rejectsWith(u.auth.refresh(laptop.refresh.token, CLIENT), 'ERR_TOKEN_BLACKLISTED')
    assert.equal((await u.store.findRefresh(laptop.refresh.claims.jti))?.revoked_at, u.clock.ms)
    assert.equal(u.auth.authenticateAccess(phone.access.token).userId, user.id)
  })

  test('a second logout with the same token is refused as blacklisted', async () => {
    const { u, laptop } = await twoLogins()
    await u.auth.logout(laptop.refresh.token)
    await rejectsWith(u.auth.logout(laptop.refresh.token), 'ERR_TOKEN_BLACKLISTED')
  })

  test('a forged refresh token cannot log anyone out', async () => {
    const { u, laptop } = await twoLogins()
    const [header, payload] = laptop.refresh.token.split('.')
    await rejectsWith(u.auth.logout(`${header}.${payload}.${'A'.repeat(43)}`), 'ERR_TOKEN_INVALID')
    assert.equal((await u.store.findSession(laptop.session.id))?.revoked_at, null)
  })

  test('the revoked-session entry outlives every access token issued before the revocation, then goes', async () => {
    const { u, laptop } = await twoLogins()
    await u.auth.logout(laptop.refresh.token)
    assert.ok(u.auth.revocations.has(laptop.session.id))
    u.clock.advance(TOKENS.accessLifetime + TOKENS.leeway)
    // By now the token has expired on its own, so forgetting the session costs nothing.
    assert.equal(u.auth.revocations.has(laptop.session.id), false)
    throwsWith(() => u.auth.authenticateAccess(laptop.access.token), 'ERR_TOKEN_EXPIRED')
  })

  test('a new instance learns the revocations of the last access lifetime from the store (start-up catch-up)', async () => {
    const { u, laptop } = await twoLogins()
    await u.auth.logout(laptop.refresh.token)
    const peer = u.peer()
    assert.doesNotThrow(() => peer.authenticateAccess(laptop.access.token))
    assert.equal(await peer.syncRevocations(), 1)
    throwsWith(() => peer.authenticateAccess(laptop.access.token), 'ERR_TOKEN_BLACKLISTED')
  })

  test('listSessions: the live ones, most recently used first, the caller marked current', async () => {
    const { u, user, laptop, phone } = await twoLogins()
    const listed = await u.auth.listSessions(user.id, laptop.session.id)
    assert.deepEqual(listed.map((s) => [s.id, s.user_agent, s.current]), [
      [phone.session.id, 'Phone', false],
      [laptop.session.id, CLIENT.userAgent, true],
    ])
    await u.auth.logout(phone.refresh.token)
    assert.deepEqual((await u.auth.listSessions(user.id, undefined)).map((s) => s.id), [laptop.session.id])
  })

  test("revoking one's own session works; someone else's, or one already ended, is not found (never forbidden)", async () => {
    const { u, user, laptop, phone } = await twoLogins()
    const mallory = await addUser(u, 'mallory')
    await rejectsWith(u.auth.revokeOwnSession(mallory.id, laptop.session.id), 'ERR_NOT_FOUND')
    assert.equal((await u.store.findSession(laptop.session.id))?.revoked_at, null)
    await u.auth.revokeOwnSession(user.id, phone.session.id)
    assert.equal((await u.store.findSession(phone.session.id))?.revoke_reason, 'revoked_by_user')
    throwsWith(() => u.auth.authenticateAccess(phone.access.token), 'ERR_TOKEN_BLACKLISTED')
    await rejectsWith(u.auth.revokeOwnSession(user.id, phone.session.id), 'ERR_NOT_FOUND')
    await rejectsWith(u.auth.revokeOwnSession(user.id, 'no-such-session'), 'ERR_NOT_FOUND')
  })

  test('logging out everywhere but here keeps the current session only', async () => {
    const { u, user, laptop, phone } = await twoLogins()
    assert.equal(await u.auth.revokeUserSessions(user.id, 'logout_all', laptop.session.id), 1)
    throwsWith(() => u.auth.authenticateAccess(phone.access.token), 'ERR_TOKEN_BLACKLISTED')
    assert.equal(u.auth.authenticateAccess(laptop.access.token).sessionId, laptop.session.id)
    assert.equal(await u.auth.revokeUserSessions(user.id, 'logout_all'), 1)
    throwsWith(() => u.auth.authenticateAccess(laptop.access.token), 'ERR_TOKEN_BLACKLISTED')
  })

  test('flushExpired removes what has outlived the refresh lifetime, by the injected clock', async () => {
    const { u, laptop } = await twoLogins()
    assert.equal(await u.auth.flushExpired(), 0)
    u.clock.advance(TOKENS.refreshLifetime + 1)
    assert.equal(await u.auth.flushExpired(), 2)
    assert.equal(await u.store.findSession(laptop.session.id), null)
  })
})

describe('session-less SimpleJWT tokens (SIMPLEJWT_COMPAT, use cases)', () => {
  /** A token as SimpleJWT signs it: no `sid`, so no session to revoke. */
  const simplejwt = (userId: number, iatS: number, lifetimeS: number) =>
    createSigner({ key: TOKENS.secretKey, algorithm: 'HS256' })({ token_type: 'access', exp: iatS + lifetimeS, iat: iatS, jti: `j${iatS}`, user_id: userId })

  test('a token that would outlive the access lifetime is refused however it is signed; one within it works', async () => {
    const u = createUseCases({ simplejwtCompat: true })
    const user = await addUser(u)
    const nowS = u.clock.ms / 1000
    assert.equal(u.auth.authenticateAccess(simplejwt(user.id, nowS, TOKENS.accessLifetime)).userId, user.id)
    throwsWith(() => u.auth.authenticateAccess(simplejwt(user.id, nowS, TOKENS.accessLifetime + 1)), 'ERR_TOKEN_INVALID')
    throwsWith(() => u.auth.authenticateAccess(simplejwt(user.id, nowS, 365 * 86_400)), 'ERR_TOKEN_INVALID')
    await rejectsWith(u.auth.verifyAnyToken(simplejwt(user.id, nowS, 365 * 86_400)), 'ERR_TOKEN_INVALID')
  })

  test("revoking a user's sessions ends the session-less tokens issued until then, on a peer too; later ones work", async () => {
    const u = createUseCases({ simplejwtCompat: true })
    const user = await addUser(u)
    const before = simplejwt(user.id, u.clock.ms / 1000, TOKENS.accessLifetime)
    u.clock.advance(1)
    await u.auth.revokeUserSessions(user.id, 'password_changed')
    throwsWith(() => u.auth.authenticateAccess(before), 'ERR_TOKEN_BLACKLISTED')
    await rejectsWith(u.auth.verifyAnyToken(before), 'ERR_TOKEN_BLACKLISTED')
    const peer = u.peer()
    assert.equal(peer.authenticateAccess(before).userId, user.id, 'the peer has not learned it yet')
    await peer.syncRevocations()
    throwsWith(() => peer.authenticateAccess(before), 'ERR_TOKEN_BLACKLISTED')
    u.clock.advance(1)
    assert.equal(u.auth.authenticateAccess(simplejwt(user.id, u.clock.ms / 1000, TOKENS.accessLifetime)).userId, user.id)
    // Once every token issued before it has expired, the entry goes.
    u.clock.advance(TOKENS.accessLifetime)
    assert.equal(u.auth.revocations.revokedAt(`user:${user.id}`), undefined)
  })
})
