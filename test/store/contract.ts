/**
 * The one Store contract: every method of src/auth/store.ts, run against every database
 * (test/store/sqlite.test.ts, test/store/postgres.test.ts) and the in-memory store (test/store/memory.test.ts),
 * as lucia's adapter suite does.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, beforeEach, describe, test } from 'node:test'
import type { RefreshRecord, Session, SessionSeen, Store } from '../../src/auth/index.js'
import { TesseraError } from '../../src/errors.js'

export interface StoreUnderTest {
  store: Store
  /** A second, independent store on the same database (another instance's pool). */
  peer: Store
  /** Empties every table between tests. */
  reset(): Promise<void>
  close(): Promise<void>
}

const T0 = 1_700_000_000_000
const SEEN: SessionSeen = { ip: '192.0.2.1', user_agent: 'Seen\u0000/1.0', client_key: 'key-of-the-rotating-client' }
const id = () => randomBytes(16).toString('base64url')
const newUser = (username: string) => ({ username, email: `${username}@example.com`, first_name: 'A', last_name: 'B', password: 'argon2id$x', is_active: true, is_staff: false, is_superuser: false })

function sessionRow(userId: number, overrides: Partial<Session> = {}): Session {
  return { id: id(), user_id: userId, created_at: T0, last_used_at: T0, user_agent: 'ua', ip: '127.0.0.1', expires_at: T0 + 86_400_000, revoked_at: null, revoke_reason: null, client_key: 'key-at-login', ...overrides }
}

function tokenRow(session: Session, parent: string | null = null, overrides: Partial<RefreshRecord> = {}): RefreshRecord {
  return { jti: randomBytes(16).toString('hex'), session_id: session.id, user_id: session.user_id, parent_jti: parent, issued_at_s: T0 / 1000, expires_at_s: T0 / 1000 + 86_400, used_at: null, successor_jti: null, revoked_at: null, ...overrides }
}

export function storeContract(name: string, open: () => Promise<StoreUnderTest>) {
  describe(`Store contract on ${name}`, () => {
    let s: StoreUnderTest
    let store: Store
    let userId: number
    before(async () => {
      s = await open()
      store = s.store
    })
    after(() => s.close())
    beforeEach(async () => {
      await s.reset()
      userId = (await store.createUser(newUser('alice'))).id
    })

    async function openSession(overrides: Partial<Session> = {}) {
      const session = sessionRow(userId, overrides)
      const token = tokenRow(session)
      await store.createSession(session, token)
      return { session, token }
    }

    test('users: create, find by id and name, update, delete; booleans and times come back typed', async () => {
      const user = await store.findUserByUsername('alice')
      assert.ok(user)
      assert.equal(user.is_active, true)
      assert.equal(user.is_staff, false)
      assert.equal(typeof user.date_joined, 'number')
      assert.deepEqual(await store.findUserById(user.id), user)
      assert.equal(await store.updateUser(user.id, { first_name: 'Alice', is_staff: true, last_login: T0 }), true)
      const updated = await store.findUserById(user.id)
      assert.equal(updated?.first_name, 'Alice')
      assert.equal(updated?.is_staff, true)
      assert.equal(updated?.last_login, T0)
      assert.equal(await store.updateUser(user.id, {}), true)
      assert.equal(await store.deleteUser(user.id), true)
      assert.equal(await store.findUserById(user.id), null)
      assert.equal(await store.deleteUser(user.id), false)
      assert.equal(await store.updateUser(user.id, { first_name: 'x' }), false)
    })

    test('a taken username is ERR_CONFLICT (the unique index decides a race), never a driver error', async () => {
      await assert.rejects(store.createUser(newUser('alice')), (e: unknown) => e instanceof TesseraError && e.code === 'ERR_CONFLICT')
    })

    test('usernames are unique without regard to case or width: CAROL and ｃａｒｏｌ find carol, and cannot be created', async () => {
      const carol = await store.createUser(newUser('carol'))
      for (const name of ['CAROL', 'Carol', 'ｃａｒｏｌ']) {
        assert.equal((await store.findUserByUsername(name))?.id, carol.id, name)
        await assert.rejects(store.createUser(newUser(name)), (e: unknown) => e instanceof TesseraError && e.code === 'ERR_CONFLICT', name)
      }
      const dave = await store.createUser(newUser('dave'))
      await assert.rejects(store.updateUser(dave.id, { username: 'Carol' }), (e: unknown) => e instanceof TesseraError && e.code === 'ERR_CONFLICT', 'a rename too')
      assert.equal(await store.updateUser(dave.id, { username: 'David' }), true)
      assert.equal((await store.findUserByUsername('david'))?.id, dave.id, 'a rename moves the key')
      assert.equal(await store.findUserByUsername('dave'), null)
    })

    test('a racing second instance creating the same user loses with ERR_CONFLICT', async () => {
      const results = await Promise.allSettled([store.createUser(newUser('bob')), s.peer.createUser(newUser('bob'))])
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
      assert.equal(lost.reason.code, 'ERR_CONFLICT')
    })

    test('an explicit id (an import keeping Django ids) does not collide with the next generated one', async () => {
      const imported = await store.createUser({ ...newUser('imported'), id: userId + 100 })
      assert.equal(imported.id, userId + 100)
      const next = await store.createUser(newUser('fresh'))
      assert.ok(next.id > imported.id, `generated id ${next.id} after ${imported.id}`)
    })

    test('ids out of range and names with NUL are misses, not database errors (PostgreSQL refuses both)', async () => {
      for (const bad of [0, -1, 2 ** 31, 2 ** 53, 1.5, Number.NaN]) {
        assert.equal(await store.findUserById(bad), null, String(bad))
        assert.equal(await store.updateUser(bad, { first_name: 'x' }), false)
        assert.equal(await store.deleteUser(bad), false)
      }
      assert.equal(await store.findUserByUsername('alice\u0000'), null)
      assert.equal(await store.findUserByUsername('nobody'), null)
    })

    test('sessions: created with their first token; found by id; the token by jti', async () => {
      const { session, token } = await openSession({ user_agent: 'Mozilla\u0000/5.0' })
      const found = await store.findSession(session.id)
      assert.deepEqual(found, { ...session, user_agent: 'Mozilla/5.0' })
      assert.deepEqual(await store.findRefresh(token.jti), token)
      assert.equal(await store.findSession('missing'), null)
      assert.equal(await store.findRefresh('missing'), null)
    })

    test('rotateRefresh: marks the parent used, records the successor, bumps the session', async () => {
      const { session, token } = await openSession()
      const next = tokenRow(session, token.jti, { expires_at_s: T0 / 1000 + 2 * 86_400 })
      assert.deepEqual(await store.rotateRefresh(token.jti, next, T0 + 5000, SEEN), { status: 'rotated' })
      const parent = await store.findRefresh(token.jti)
      assert.equal(parent?.used_at, T0 + 5000)
      assert.equal(parent?.successor_jti, next.jti)
      assert.deepEqual(await store.findRefresh(next.jti), next)
      const bumped = await store.findSession(session.id)
      assert.equal(bumped?.last_used_at, T0 + 5000)
      assert.equal(bumped?.expires_at, next.expires_at_s * 1000)
      // Who rotated is recorded (last seen), the User-Agent cleaned as at creation.
      assert.deepEqual([bumped?.ip, bumped?.user_agent, bumped?.client_key], ['192.0.2.1', 'Seen/1.0', 'key-of-the-rotating-client'])
    })

    test('rotateRefresh of a used token is a conflict carrying the record, the live successor and the session', async () => {
      const { session, token } = await openSession()
      const next = tokenRow(session, token.jti)
      await store.rotateRefresh(token.jti, next, T0 + 1, SEEN)
      const outcome = await store.rotateRefresh(token.jti, tokenRow(session, token.jti), T0 + 2, SEEN)
      assert.equal(outcome.status, 'conflict')
      if (outcome.status !== 'conflict') return
      assert.equal(outcome.record?.jti, token.jti)
      assert.equal(outcome.successor?.jti, next.jti)
      assert.equal(outcome.session?.id, session.id)
    })

    test('rotateRefresh refuses a revoked token, a token of a revoked session, and an unknown jti', async () => {
      const a = await openSession()
      await store.revokeSession(a.session.id, 'logout', T0 + 1)
      const revoked = await store.rotateRefresh(a.token.jti, tokenRow(a.session, a.token.jti), T0 + 2, SEEN)
      assert.equal(revoked.status, 'conflict')
      if (revoked.status === 'conflict') assert.equal(revoked.session?.revoked_at, T0 + 1)
      const unknown = await store.rotateRefresh('nope', tokenRow(a.session, 'nope'), T0 + 2, SEEN)
      assert.deepEqual(unknown, { status: 'conflict', record: null, successor: null, session: null })
      assert.equal((await store.findRefresh(a.token.jti))?.used_at, null)
    })

    test('rotateRefresh is a compare-and-set: 20 racers on two pools (two instances), exactly one successor', async () => {
      const { session, token } = await openSession()
      const racers = Array.from({ length: 20 }, (_, i) => tokenRow(session, token.jti, { jti: `racer${String(i).padStart(2, '0')}${randomBytes(8).toString('hex')}` }))
      const outcomes = await Promise.all(racers.map((r, i) => (i % 2 ? s.peer : store).rotateRefresh(token.jti, r, T0 + 10, SEEN)))
      const winners = outcomes.flatMap((o, i) => (o.status === 'rotated' ? [racers[i]!.jti] : []))
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`)
      for (const o of outcomes) if (o.status === 'conflict') assert.equal(o.successor?.jti, winners[0])
      for (const r of racers) assert.equal((await store.findRefresh(r.jti)) !== null, r.jti === winners[0])
    })

    test('a refresh racing a logout of the same session: both complete, no deadlock, the session ends revoked', async () => {
      for (let round = 0; round < 15; round++) {
        const { session, token } = await openSession()
        const next = tokenRow(session, token.jti)
        const [rotated, revoked] = await Promise.all([store.rotateRefresh(token.jti, next, T0 + 10, SEEN), s.peer.revokeSession(session.id, 'logout', T0 + 10)])
        assert.equal(revoked, true)
        assert.equal((await store.findSession(session.id))?.revoked_at, T0 + 10)
        // Whichever committed first, no token of the revoked session is left usable.
        assert.notEqual((await store.findRefresh(token.jti))?.revoked_at, null)
        if (rotated.status === 'rotated') assert.notEqual((await store.findRefresh(next.jti))?.revoked_at, null)
        else assert.equal(await store.findRefresh(next.jti), null)
      }
    })

    test('touchSession bumps last_used_at and records who was seen, not the expiry', async () => {
      const { session } = await openSession()
      await store.touchSession(session.id, T0 + 99, SEEN)
      const touched = await store.findSession(session.id)
      assert.equal(touched?.last_used_at, T0 + 99)
      assert.equal(touched?.expires_at, session.expires_at)
      assert.deepEqual([touched?.ip, touched?.user_agent, touched?.client_key], ['192.0.2.1', 'Seen/1.0', 'key-of-the-rotating-client'])
    })

    test('revokeSession blacklists every token of the session; a second call says false', async () => {
      const { session, token } = await openSession()
      const next = tokenRow(session, token.jti)
      await store.rotateRefresh(token.jti, next, T0 + 1, SEEN)
      assert.equal(await store.revokeSession(session.id, 'logout', T0 + 2), true)
      assert.equal(await store.revokeSession(session.id, 'logout', T0 + 3), false)
      assert.equal(await store.revokeSession('missing', 'logout', T0 + 3), false)
      const revoked = await store.findSession(session.id)
      assert.equal(revoked?.revoked_at, T0 + 2)
      assert.equal(revoked?.revoke_reason, 'logout')
      assert.equal((await store.findRefresh(token.jti))?.revoked_at, T0 + 2)
      assert.equal((await store.findRefresh(next.jti))?.revoked_at, T0 + 2)
    })

    test('revokeUserSessions revokes all live sessions but `keep`, and returns their ids', async () => {
      const a = await openSession()
      const b = await openSession()
      const kept = await openSession()
      await store.revokeSession(a.session.id, 'logout', T0)
      const ids = await store.revokeUserSessions(userId, 'password_changed', T0 + 5, kept.session.id)
      assert.deepEqual(ids, [b.session.id])
      assert.equal((await store.findSession(b.session.id))?.revoke_reason, 'password_changed')
      assert.equal((await store.findRefresh(b.token.jti))?.revoked_at, T0 + 5)
      assert.equal((await store.findSession(kept.session.id))?.revoked_at, null)
      assert.deepEqual(await store.revokeUserSessions(userId + 1000, 'x', T0), [])
    })

    test('listSessions: live ones only, most recently used first', async () => {
      const old = await openSession({ last_used_at: T0 })
      const recent = await openSession({ last_used_at: T0 + 100 })
      const revoked = await openSession()
      await store.revokeSession(revoked.session.id, 'logout', T0)
      await openSession({ expires_at: T0 - 1 })
      const listed = await store.listSessions(userId, T0)
      assert.deepEqual(listed.map((x) => x.id), [recent.session.id, old.session.id])
    })

    test('revokedSince returns the sessions revoked at or after a time (the catch-up read)', async () => {
      const a = await openSession()
      const b = await openSession()
      await store.revokeSession(a.session.id, 'logout', T0 + 10)
      await store.revokeSession(b.session.id, 'logout', T0 + 20)
      assert.deepEqual((await store.revokedSince(T0 + 10)).map((r) => r.id).sort(), [a.session.id, b.session.id].sort())
      assert.deepEqual(await store.revokedSince(T0 + 11), [{ id: b.session.id, revoked_at: T0 + 20 }])
      assert.deepEqual(await store.revokedSince(T0 + 21), [])
    })

    test('flushExpired deletes expired tokens and sessions, keeps live ones (revoked too, until they expire)', async () => {
      const live = await openSession()
      const expired = await openSession({ expires_at: T0 - 1 })
      await store.createSession(sessionRow(userId), tokenRow(live.session, null, { expires_at_s: T0 / 1000 - 1 }))
      const revoked = await openSession()
      await store.revokeSession(revoked.session.id, 'logout', T0)
      const expiredToken = tokenRow(expired.session, null, { expires_at_s: T0 / 1000 - 1 })
      await store.createSession(sessionRow(userId, { expires_at: T0 - 1 }), expiredToken)
      assert.equal(await store.flushExpired(T0), 2)
      assert.equal(await store.findRefresh(expiredToken.jti), null)
      assert.equal(await store.findSession(expired.session.id), null)
      assert.ok(await store.findSession(live.session.id))
      assert.ok(await store.findSession(revoked.session.id))
      assert.ok(await store.findRefresh(live.token.jti))
      assert.equal(await store.flushExpired(T0), 0)
    })

    test('signing keys: newest first; adding one retires the others at the given time', async () => {
      const key = (kid: string, created_at: number) => ({ kid, algorithm: 'ES256', private_key: `priv-${kid}`, public_key: `pub-${kid}`, created_at, retires_at: null })
      await store.addSigningKey(key('k1', T0), T0)
      await store.addSigningKey(key('k2', T0 + 10), T0 + 1000)
      assert.deepEqual((await store.listSigningKeys(T0 + 20)).map((k) => [k.kid, k.retires_at]), [['k2', null], ['k1', T0 + 1000]])
      assert.deepEqual((await store.listSigningKeys(T0 + 1000)).map((k) => k.kid), ['k2'])
    })

    test("updateSigningKeyPrivate replaces one key's private half only", async () => {
      const key = (kid: string, created_at: number) => ({ kid, algorithm: 'ES256', private_key: `priv-${kid}`, public_key: `pub-${kid}`, created_at, retires_at: null })
      await store.addSigningKey(key('u1', T0), T0)
      await store.addSigningKey(key('u2', T0 + 10), T0 + 1000)
      await store.updateSigningKeyPrivate('u1', 'sealed-u1')
      await store.updateSigningKeyPrivate('nobody', 'ignored')
      const rows = await store.listSigningKeys(0)
      assert.deepEqual(rows.map((k) => [k.kid, k.private_key, k.public_key, k.retires_at]), [['u2', 'priv-u2', 'pub-u2', null], ['u1', 'sealed-u1', 'pub-u1', T0 + 1000]])
    })

    test('ping answers while the database is up', async () => {
      await store.ping()
    })
  })
}
