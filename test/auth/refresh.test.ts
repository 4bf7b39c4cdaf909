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

  test('a second tab of the same client replaying the parent gets the very same successor, and the session lives', async () => {
    const { u, pair } = await loggedIn()
    const first = await u.auth.refresh(pair.refresh.token, CLIENT)
    const second = await u.auth.refresh(pair.refresh.token, CLIENT)
    assert.equal(second.refresh?.token, first.refresh?.token)
    assert.deepEqual(u.events(), ['refresh', 'refresh_retry'])
    assert.equal((await u.store.findSession(pair.session.id))?.revoked_at, null)
  })

  test('a lost reply (crash, dropped connection) retried long after the grace window is not theft: the same successor again', async () => {
    const { u, pair } = await loggedIn()
    const lost = await u.auth.refresh(pair.refresh.token, CLIENT)
    u.clock.advance(3600)
    // From a new address too: a phone that changed networks while it was waiting.
    const retry = await u.auth.refresh(pair.refresh.token, { ...CLIENT, ip: '198.51.100.77' })
    assert.equal(retry.refresh?.token, lost.refresh?.token)
    assert.equal(u.events().includes('reuse_detected'), false)
    // The successor it finally holds works as any other.
    const next = await u.auth.refresh(retry.refresh!.token, CLIENT)
    assert.ok(next.refresh)
  })

  for (const [thief, what] of [
    [{ ...CLIENT, csrfSecret: '' }, 'no CSRF cookie'],
    [{ ...CLIENT, csrfSecret: 'b'.repeat(32) }, 'another CSRF secret'],
    [{ ...CLIENT, userAgent: 'curl/8.0' }, 'another User-Agent'],
  ] as const) {
    test(`a stolen, rotated-out token replayed within the grace window by another client (${what}) is theft: the session dies`, async () => {
      const { u, pair } = await loggedIn()
      const owner = await u.auth.refresh(pair.refresh.token, CLIENT)
      const error = await rejectsWith(u.auth.refresh(pair.refresh.token, thief), 'ERR_TOKEN_REUSED')
      assert.match(error.message, /reuse detected/)
      assert.deepEqual(u.events(), ['refresh', 'reuse_detected'])
      assert.equal(u.audit.at(-1)?.fields.cause, 'used token replayed by another client')
      const session = await u.store.findSession(pair.session.id)
      assert.equal(session?.revoke_reason, 'reuse_detected')
      // The successor the owner holds is refused, and so is every access token of the session, at once.
      await rejectsWith(u.auth.refresh(owner.refresh!.token, CLIENT), 'ERR_TOKEN_BLACKLISTED')
      throwsWith(() => u.auth.authenticateAccess(owner.access.token), 'ERR_TOKEN_BLACKLISTED')
    })
  }

  test('the binding follows the client that rotated: a refresh records its address, User-Agent and key', async () => {
    const { u, pair } = await loggedIn()
    const moved = { ip: '198.51.100.8', userAgent: 'Mozilla/5.0 (new browser)', csrfSecret: 'c'.repeat(32) }
    const next = await u.auth.refresh(pair.refresh.token, moved)
    const session = await u.store.findSession(pair.session.id)
    assert.deepEqual([session?.ip, session?.user_agent], [moved.ip, moved.userAgent])
    // Its retry is the same client; the login's own client replaying the parent now is not.
    assert.equal((await u.auth.refresh(pair.refresh.token, moved)).refresh?.token, next.refresh?.token)
    await rejectsWith(u.auth.refresh(pair.refresh.token, CLIENT), 'ERR_TOKEN_REUSED')
  })

  test('a session from before client binding keeps the grace window, for its own User-Agent only', async () => {
    const legacy = async () => {
      const { u, pair } = await loggedIn()
      const first = await u.auth.refresh(pair.refresh.token, CLIENT)
      const row = (await u.store.findSession(pair.session.id))!
      // As migration 0003 leaves it: no key recorded.
      await u.store.touchSession(row.id, row.last_used_at, { ip: row.ip, user_agent: row.user_agent, client_key: '' })
      return { u, pair, first }
    }
    const within = await legacy()
    within.u.clock.advance(TOKENS.reuseGrace)
    assert.equal((await within.u.auth.refresh(within.pair.refresh.token, { ...CLIENT, csrfSecret: '' })).refresh?.token, within.first.refresh?.token)
    assert.equal(within.u.events().at(-1), 'refresh_grace')
    const late = await legacy()
    late.u.clock.advance(TOKENS.reuseGrace + 1)
    await rejectsWith(late.u.auth.refresh(late.pair.refresh.token, CLIENT), 'ERR_TOKEN_REUSED')
    const other = await legacy()
    await rejectsWith(other.u.auth.refresh(other.pair.refresh.token, { ...CLIENT, userAgent: 'curl/8.0' }), 'ERR_TOKEN_REUSED')
  })

  test('failing refreshes are throttled per address; a valid refresh from that address still works', async () => {
    const { u, pair } = await loggedIn()
    for (let i = 0; i < 70; i++) await assert.rejects(u.auth.refresh(`not-a-token-${i}`, CLIENT))
    // Over the budget (60 a minute), the failing ones get 429 ...
    await rejectsWith(u.auth.refresh('not-a-token', CLIENT), 'ERR_AUTH_RATE_LIMITED')
    // ... and the valid, unrevoked token is itself the proof.
    const next = await u.auth.refresh(pair.refresh.token, CLIENT)
    assert.ok(next.refresh)
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
    // A user made inactive straight in the database (another system's write): no active account, at
    // once: a refresh reads the user fresh, not through the cache the login filled.
    const other = await loggedIn()
    const cached = await other.u.auth.refresh(other.pair.refresh.token, CLIENT)
    await other.u.store.updateUser(other.user.id, { is_active: false })
    await rejectsWith(other.u.auth.refresh(cached.refresh!.token, CLIENT), 'ERR_AUTH_NO_ACTIVE_ACCOUNT')
    // Made active again, the same token refreshes: the refusal did not end the session (the store contract checks that nothing changed).
    await other.u.store.updateUser(other.user.id, { is_active: true })
    assert.ok((await other.u.auth.refresh(cached.refresh!.token, CLIENT)).refresh)
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
