import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { addUser, CLIENT, createUseCases, PASSWORD, rejectsWith, throwsWith, TOKENS, type UseCaseOptions } from './support.js'

async function loggedIn(options: UseCaseOptions = {}) {
  const u = createUseCases(options)
  const user = await addUser(u)
  const pair = await u.auth.login('alice', PASSWORD, CLIENT)
  u.audit.length = 0
  return { u, user, pair }
}

describe('refresh (use case, no HTTP)', () => {
  test('rotation: a new pair in the same session; the parent is marked used and names its successor', async () => {
    const { u, pair } = await loggedIn()
    u.clock.advance(30)
    const next = await u.auth.refresh(pair.refresh.token, CLIENT)
    assert.ok(next.refresh)
    assert.equal(next.refresh.claims.sid, pair.session.id)
    assert.equal(next.access.claims.sid, pair.session.id)
    assert.equal(next.access.claims.iat, pair.access.claims.iat + 30)
    const parent = await u.store.findRefresh(pair.refresh.claims.jti)
    assert.equal(parent?.used_at, u.clock.ms)
    assert.equal(parent?.successor_jti, next.refresh.claims.jti)
    assert.equal((await u.store.findRefresh(next.refresh.claims.jti))?.parent_jti, pair.refresh.claims.jti)
    const session = await u.store.findSession(pair.session.id)
    assert.equal(session?.last_used_at, u.clock.ms)
    assert.equal(session?.expires_at, next.refresh.claims.exp * 1000)
    assert.deepEqual(u.events(), ['refresh'])
  })

  test('a second tab replaying the parent within the grace window gets the very same successor', async () => {
    const { u, pair } = await loggedIn()
    const first = await u.auth.refresh(pair.refresh.token, CLIENT)
    u.clock.advance(TOKENS.reuseGrace)
    const second = await u.auth.refresh(pair.refresh.token, CLIENT)
    assert.equal(second.refresh?.token, first.refresh?.token)
    assert.deepEqual(u.events(), ['refresh', 'refresh_grace'])
    assert.equal((await u.store.findSession(pair.session.id))?.revoked_at, null)
  })

  test('a replay after the grace window is theft: the whole session dies, the thief and the owner are both out', async () => {
    const { u, pair } = await loggedIn()
    const owner = await u.auth.refresh(pair.refresh.token, CLIENT)
    u.clock.advance(TOKENS.reuseGrace + 1)
    const error = await rejectsWith(u.auth.refresh(pair.refresh.token, CLIENT), 'ERR_TOKEN_REUSED')
    assert.match(error.message, /reuse detected/)
    assert.deepEqual(u.events(), ['refresh', 'reuse_detected'])
    const session = await u.store.findSession(pair.session.id)
    assert.equal(session?.revoke_reason, 'reuse_detected')
    // The successor the owner holds is refused, and so is every access token of the session, at once.
    await rejectsWith(u.auth.refresh(owner.refresh!.token, CLIENT), 'ERR_TOKEN_BLACKLISTED')
    throwsWith(() => u.auth.authenticateAccess(owner.access.token), 'ERR_TOKEN_BLACKLISTED')
  })

  test('replaying an ancestor of the live token is theft even within the grace window', async () => {
    const { u, pair } = await loggedIn()
    const second = await u.auth.refresh(pair.refresh.token, CLIENT)
    await u.auth.refresh(second.refresh!.token, CLIENT)
    await rejectsWith(u.auth.refresh(pair.refresh.token, CLIENT), 'ERR_TOKEN_REUSED')
    assert.equal(u.audit.at(-1)?.fields.cause, 'ancestor of the live token replayed')
  })

  test('an expired refresh token is refused; one second before its end it still works', async () => {
    const { u, pair } = await loggedIn()
    u.clock.advance(TOKENS.refreshLifetime - 1)
    const next = await u.auth.refresh(pair.refresh.token, CLIENT)
    u.clock.advance(TOKENS.refreshLifetime)
    await rejectsWith(u.auth.refresh(next.refresh!.token, CLIENT), 'ERR_TOKEN_EXPIRED')
  })

  test('an access token is not a refresh token', async () => {
    const { u, pair } = await loggedIn()
    await rejectsWith(u.auth.refresh(pair.access.token, CLIENT), 'ERR_TOKEN_INVALID')
  })

  test('a deactivated user cannot refresh (deactivation revokes the session; the active check holds on its own too)', async () => {
    const { u, user, pair } = await loggedIn()
    await u.auth.setActive(user.id, false)
    await rejectsWith(u.auth.refresh(pair.refresh.token, CLIENT), 'ERR_TOKEN_BLACKLISTED')
    // A user made inactive straight in the database (another system's write): no active account.
    // It is seen once the user cache's entry (5 s) is over.
    const other = await loggedIn()
    const cached = await other.u.auth.refresh(other.pair.refresh.token, CLIENT)
    await other.u.store.updateUser(other.user.id, { is_active: false })
    other.u.clock.advance(5)
    await rejectsWith(other.u.auth.refresh(cached.refresh!.token, CLIENT), 'ERR_AUTH_NO_ACTIVE_ACCOUNT')
  })

  test('without rotation: a new access token only, the refresh token stays valid, the session is touched', async () => {
    const { u, pair } = await loggedIn({ tokens: { rotate: false } })
    u.clock.advance(42)
    const next = await u.auth.refresh(pair.refresh.token, CLIENT)
    assert.equal(next.refresh, undefined)
    assert.equal((await u.store.findRefresh(pair.refresh.claims.jti))?.used_at, null)
    assert.equal((await u.store.findSession(pair.session.id))?.last_used_at, u.clock.ms)
    await u.auth.refresh(pair.refresh.token, CLIENT)
    await u.auth.logout(pair.refresh.token)
    await rejectsWith(u.auth.refresh(pair.refresh.token, CLIENT), 'ERR_TOKEN_BLACKLISTED')
  })
})
