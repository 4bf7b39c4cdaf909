/**
 * The one Store contract: every method of src/auth/store.ts, run against every database
 * (test/store/sqlite.test.ts, test/store/postgres.test.ts) and the in-memory store (test/store/memory.test.ts),
 * as lucia's adapter suite does.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, beforeEach, describe, test } from 'node:test'
import type { NewMail, RefreshRecord, Session, SessionSeen, Store } from '../../src/auth/index.js'
import { TesseraError } from '../../src/errors.js'
import { mfaContract, passkeyContract } from './mfa-contract.js'

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

const mail = (to: string, userId: number | null = null): NewMail => ({ to_address: to, user_id: userId, kind: 'test', subject: `to ${to}`, text_body: 'text', html_body: '<p>html</p>' })

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
      // With the user, as read in the same transaction (a refresh needs it fresh).
      assert.deepEqual(await store.rotateRefresh(token.jti, next, T0 + 5000, SEEN), { status: 'rotated', user: await store.findUserById(userId) })
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
      assert.deepEqual(unknown, { status: 'conflict', record: null, successor: null, session: null, user: await store.findUserById(userId) })
      assert.equal((await store.findRefresh(a.token.jti))?.used_at, null)
    })

    test('rotateRefresh changes nothing for an inactive or a missing user, and says who it read', async () => {
      const { session, token } = await openSession()
      assert.equal(await store.updateUser(userId, { is_active: false }), true)
      const inactive = await store.rotateRefresh(token.jti, tokenRow(session, token.jti), T0 + 2, SEEN)
      assert.equal(inactive.status, 'conflict')
      assert.equal(inactive.user?.id, userId)
      assert.equal(inactive.user?.is_active, false)
      assert.deepEqual(await store.findRefresh(token.jti), token, 'the token is still unused')
      assert.equal((await store.findSession(session.id))?.last_used_at, session.last_used_at)
      for (const other of [userId + 1000, 2 ** 31, Number.NaN]) {
        const missing = await store.rotateRefresh(token.jti, tokenRow(session, token.jti, { user_id: other }), T0 + 3, SEEN)
        assert.equal(missing.status, 'conflict', String(other))
        assert.equal(missing.user, null, String(other))
      }
      assert.equal(await store.updateUser(userId, { is_active: true }), true)
      assert.equal((await store.rotateRefresh(token.jti, tokenRow(session, token.jti), T0 + 4, SEEN)).status, 'rotated')
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

    test("revokeUserSessions sets the user's not-before time for session-less tokens, read back by revokedSince, even with no session to revoke", async () => {
      assert.deepEqual(await store.revokeUserSessions(userId, 'logout_all', T0 + 7), [])
      const since = await store.revokedSince(T0)
      assert.deepEqual(since.filter((r) => r.id.startsWith('user:')), [{ id: `user:${userId}`, revoked_at: T0 + 7 }])
      assert.deepEqual(await store.revokedSince(T0 + 8), [])
      assert.equal('tokens_not_before' in ((await store.findUserById(userId)) ?? {}), false, 'not part of the User')
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

    test('email: found without regard to case, several accounts may share one; email_verified comes back typed', async () => {
      const bob = await store.createUser({ ...newUser('bob'), email: 'Shared@Example.com', email_verified: true })
      const carol = await store.createUser({ ...newUser('carol'), email: 'shared@example.COM' })
      assert.deepEqual((await store.findUsersByEmail('SHARED@example.com')).map((u) => u.id), [bob.id, carol.id])
      assert.equal((await store.findUserById(bob.id))?.email_verified, true)
      assert.equal((await store.findUserById(carol.id))?.email_verified, false)
      assert.deepEqual(await store.findUsersByEmail(''), [])
      assert.deepEqual(await store.findUsersByEmail('nul\0@example.com'), [])
      await store.updateUser(carol.id, { email_verified: true })
      assert.equal((await store.findUserById(carol.id))?.email_verified, true)
    })

    test('outbox: queued mail is claimed once, marked sent, counted', async () => {
      assert.equal(await store.queueMail([mail('a@example.com'), mail('b@example.com')], T0), true)
      assert.deepEqual(await store.mailCounts(), { queued: 2, sent: 0, dead: 0 })
      const claimed = await store.claimMail(T0, 60_000, 10)
      assert.deepEqual(claimed.map((m) => m.to_address), ['a@example.com', 'b@example.com'])
      assert.equal(claimed[0]!.html_body, '<p>html</p>')
      assert.equal(typeof claimed[0]!.id, 'number')
      assert.equal(claimed[0]!.claimed_until, T0 + 60_000)
      // Held by the claim: nobody else gets them while the lease lives.
      assert.deepEqual(await s.peer.claimMail(T0 + 1000, 60_000, 10), [])
      assert.equal(await store.markMailSent(claimed[0]!.id, claimed[0]!.claim_id!, T0 + 5), true)
      assert.deepEqual(await store.mailCounts(), { queued: 1, sent: 1, dead: 0 })
      const [sent] = await store.listMail('sent', 10)
      assert.equal(sent?.sent_at, T0 + 5)
      assert.equal(sent?.attempts, 1)
    })

    test('outbox: a claim past its lease is taken again, and the first claimer can no longer mark it', async () => {
      await store.queueMail([mail('a@example.com')], T0)
      const [first] = await store.claimMail(T0, 1000, 10)
      const [second] = await s.peer.claimMail(T0 + 1000, 1000, 10)
      assert.equal(second?.id, first?.id)
      assert.notEqual(second?.claim_id, first?.claim_id)
      assert.equal(await store.markMailSent(first!.id, first!.claim_id!, T0 + 1001), false)
      assert.equal(await s.peer.markMailSent(second!.id, second!.claim_id!, T0 + 1001), true)
      assert.deepEqual(await store.claimMail(T0 + 10_000, 1000, 10), [])
    })

    test('outbox: two instances claiming at once get disjoint messages, every one exactly once', async () => {
      await store.queueMail(Array.from({ length: 30 }, (_, i) => mail(`u${i}@example.com`)), T0)
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? s.peer : store).claimMail(T0, 60_000, 4)))
      const ids = claims.flat().map((m) => m.id)
      assert.equal(new Set(ids).size, ids.length)
      assert.ok(ids.length <= 30)
      const rest = await store.claimMail(T0, 60_000, 100)
      assert.equal(ids.length + rest.length, 30)
    })

    test('outbox: a failure queues the message again at its retry time, or marks it dead; dead ones can be retried', async () => {
      await store.queueMail([mail('a@example.com')], T0)
      const [m] = await store.claimMail(T0, 60_000, 10)
      assert.equal(await store.markMailFailed(m!.id, m!.claim_id!, '421 try later', T0 + 30_000), true)
      assert.deepEqual(await store.claimMail(T0 + 29_999, 60_000, 10), [])
      const [again] = await store.claimMail(T0 + 30_000, 60_000, 10)
      assert.equal(again?.attempts, 1)
      assert.equal(again?.last_error, '421 try later')
      assert.equal(await store.markMailFailed(again!.id, again!.claim_id!, '550 no such user', null), true)
      assert.deepEqual(await store.mailCounts(), { queued: 0, sent: 0, dead: 1 })
      assert.deepEqual(await store.claimMail(T0 + 10 ** 9, 60_000, 10), [])
      assert.equal(await store.retryMail(again!.id, T0 + 40_000), true)
      const [retried] = await store.claimMail(T0 + 40_000, 60_000, 10)
      assert.equal(retried?.attempts, 0)
      await store.markMailSent(retried!.id, retried!.claim_id!, T0 + 40_001)
      assert.equal(await store.retryMail(retried!.id, T0), false, 'a sent message is never queued again')
      assert.equal(await store.retryMail(999_999, T0), false)
      assert.equal(await store.purgeSentMail(T0 + 40_001), 0)
      assert.equal(await store.purgeSentMail(T0 + 40_002), 1)
      assert.deepEqual(await store.mailCounts(), { queued: 0, sent: 0, dead: 0 })
    })

    test('outbox: a change commits with its mail; an expected password that no longer holds changes and queues nothing', async () => {
      const user = (await store.findUserById(userId))!
      assert.equal(await store.queueMail([mail('alice@example.com', userId)], T0, { id: userId, patch: { password: 'new-hash' }, expectPassword: user.password }), true)
      assert.equal((await store.findUserById(userId))?.password, 'new-hash')
      // The same token used again (or by a racer): the hash it was made from is gone.
      assert.equal(await s.peer.queueMail([mail('alice@example.com', userId)], T0, { id: userId, patch: { password: 'other' }, expectPassword: user.password }), false)
      assert.equal((await store.findUserById(userId))?.password, 'new-hash')
      assert.equal(await store.queueMail([mail('x@example.com')], T0, { id: 999_999, patch: { first_name: 'x' } }), false)
      assert.deepEqual(await store.mailCounts(), { queued: 1, sent: 0, dead: 0 })
      const racers = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? s.peer : store).queueMail([mail('alice@example.com', userId)], T0, { id: userId, patch: { password: `racer-${i}` }, expectPassword: 'new-hash' })))
      assert.equal(racers.filter(Boolean).length, 1)
      assert.deepEqual(await store.mailCounts(), { queued: 2, sent: 0, dead: 0 })
    })

    test('outbox: a new user commits with its mail (which knows its id); a taken name queues nothing', async () => {
      const bob = await store.createUser(newUser('bob'), (created) => [mail(created.email, created.id)])
      const [queued] = await store.listMail('queued', 10)
      assert.equal(queued?.user_id, bob.id)
      assert.equal(queued?.to_address, 'bob@example.com')
      await assert.rejects(store.createUser(newUser('BOB'), (created) => [mail(created.email, created.id)]), (e: unknown) => e instanceof TesseraError && e.code === 'ERR_CONFLICT')
      assert.deepEqual(await store.mailCounts(), { queued: 1, sent: 0, dead: 0 })
    })

    test('deleteAccount removes the user, their tokens and mail about them; keeps their sessions revoked, without IP and User-Agent; queues the notice', async () => {
      const { session, token } = await openSession()
      await store.revokeUserSessions(userId, 'user_deleted', T0)
      const bob = await store.createUser(newUser('bob'))
      await store.queueMail([mail('alice@example.com', userId), mail('bob@example.com', bob.id)], T0)
      assert.equal(await store.deleteAccount(userId, [mail('alice@example.com')], T0), true)
      assert.equal(await store.findUserById(userId), null)
      assert.equal(await store.findRefresh(token.jti), null)
      const kept = await store.findSession(session.id)
      assert.equal(kept?.revoked_at, T0)
      assert.equal(kept?.ip, '')
      assert.equal(kept?.user_agent, '')
      const left = await store.listMail(null, 10)
      assert.deepEqual(left.map((m) => [m.to_address, m.user_id]).sort(), [['alice@example.com', null], ['bob@example.com', bob.id]])
      assert.equal(await store.deleteAccount(userId, [mail('alice@example.com')], T0), false)
      assert.equal((await store.listMail(null, 10)).length, 2)
      assert.ok(await store.findUserByUsername('bob'))
    })

    test('ping answers while the database is up', async () => {
      await store.ping()
    })

    mfaContract(() => ({ store, peer: s.peer, userId }))
    passkeyContract(() => ({ store, peer: s.peer, userId }))
  })
}
