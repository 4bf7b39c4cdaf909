import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BAD_CREDENTIALS } from '../../src/auth/index.js'
import { RateLimitedError } from '../../src/errors.js'
import { addUser, CLIENT, createUseCases, PASSWORD, rejectsWith, T0, throwsWith, TOKENS } from './support.js'

describe('login (use case, no HTTP)', () => {
  test('opens a session: both tokens carry its id, it is stored with the client, last_login is the clock', async () => {
    const u = createUseCases()
    const user = await addUser(u)
    u.clock.advance(60)
    const pair = await u.auth.login('alice', PASSWORD, CLIENT)

    assert.equal(pair.access.claims.sid, pair.session.id)
    assert.equal(pair.refresh.claims.sid, pair.session.id)
    assert.equal(pair.access.claims.iat, (T0 + 60_000) / 1000)
    assert.equal(pair.access.claims.exp, (T0 + 60_000) / 1000 + TOKENS.accessLifetime)
    assert.equal(pair.refresh.claims.exp, (T0 + 60_000) / 1000 + TOKENS.refreshLifetime)
    const session = await u.store.findSession(pair.session.id)
    assert.deepEqual(session, { id: pair.session.id, user_id: user.id, created_at: T0 + 60_000, last_used_at: T0 + 60_000, user_agent: CLIENT.userAgent, ip: CLIENT.ip, expires_at: pair.refresh.claims.exp * 1000, revoked_at: null, revoke_reason: null, client_key: session?.client_key })
    assert.match(session!.client_key, /^[\w-]{43}$/)
    const record = await u.store.findRefresh(pair.refresh.claims.jti)
    assert.equal(record?.parent_jti, null)
    assert.equal(record?.used_at, null)
    assert.equal((await u.store.findUserById(user.id))?.last_login, T0 + 60_000)
    assert.deepEqual(u.events(), ['login_ok'])
    // The access token works at once, with no database read.
    assert.deepEqual(u.auth.authenticateAccess(pair.access.token).sessionId, pair.session.id)
  })

  test('an unknown user, a wrong password and an inactive account fail alike, and open no session', async () => {
    const u = createUseCases()
    const bob = await addUser(u, 'bob')
    await addUser(u, 'carol')
    await u.auth.setActive(bob.id, false)
    const attempts: [string, string, string][] = [
      ['nobody', PASSWORD, 'unknown_user'],
      ['carol', 'wrong password', 'bad_password'],
      ['bob', PASSWORD, 'inactive'],
    ]
    for (const [username, password, cause] of attempts) {
      const error = await rejectsWith(u.auth.login(username, password, CLIENT), 'ERR_AUTH_BAD_CREDENTIALS')
      assert.equal(error.message, BAD_CREDENTIALS)
      const { event, fields } = u.audit.at(-1) ?? {}
      assert.equal(event, 'login_failed')
      assert.deepEqual({ ip: fields?.ip, cause: fields?.cause }, { ip: CLIENT.ip, cause })
      // A name that is no account is logged only as a keyed hash: it may be a password typed in the wrong field.
      if (cause === 'unknown_user') assert.deepEqual([fields?.username, /^[0-9a-f]{32}$/.test(String(fields?.username_hmac))], [undefined, true])
      else assert.equal(fields?.username, username)
    }
    assert.deepEqual(await u.store.listSessions(bob.id, T0), [])
    assert.equal((await u.store.findUserByUsername('carol'))?.last_login, null)
  })

  test('an unknown user costs a hash too (the burn), so timing does not tell which names exist', async () => {
    const u = createUseCases()
    const calls: string[] = []
    const hasher = u.auth.context.hasher
    const { burn, verify } = hasher
    hasher.burn = async (password) => {
      calls.push('burn')
      return burn.call(hasher, password)
    }
    hasher.verify = async (password, encoded) => {
      calls.push('verify')
      return verify.call(hasher, password, encoded)
    }
    await addUser(u)
    await rejectsWith(u.auth.login('nobody', PASSWORD, CLIENT), 'ERR_AUTH_BAD_CREDENTIALS')
    await rejectsWith(u.auth.login('alice', 'wrong password', CLIENT), 'ERR_AUTH_BAD_CREDENTIALS')
    assert.deepEqual(calls, ['burn', 'verify'])
  })

  test("a Django hash verifies and is replaced by argon2id on the first success", async () => {
    const u = createUseCases()
    const user = await addUser(u)
    // python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha256',b'correct horse',b'pepperpot',1000)).decode())"
    await u.store.updateUser(user.id, { password: 'pbkdf2_sha256$1000$pepperpot$PIAZq8arKXC6qOIB5zfBolI6R7oHc0rSVPiSNWaBLZM=' })
    await u.auth.login('alice', 'correct horse', CLIENT)
    const stored = (await u.store.findUserById(user.id))?.password ?? ''
    assert.match(stored, /^\$argon2id\$/)
    assert.deepEqual(u.audit.at(-1)?.fields.rehashed, true)
    // The new hash is the same password.
    await u.auth.login('alice', 'correct horse', CLIENT)
    assert.equal(u.audit.at(-1)?.fields.rehashed, false)
  })

  test('a guesser on one address is throttled after the free attempts, and let in again once the wait is over', async () => {
    const u = createUseCases({ rateLimit: { pairFreeAttempts: 3 } })
    await addUser(u)
    for (let i = 0; i < 3; i++) await rejectsWith(u.auth.login('alice', `guess ${i}`, CLIENT), 'ERR_AUTH_BAD_CREDENTIALS')
    // 2^(3 - 3) = 1 s after the last failure; the right password does not help while it lasts.
    const throttled = await rejectsWith(u.auth.login('alice', PASSWORD, CLIENT), 'ERR_AUTH_RATE_LIMITED')
    assert.ok(throttled instanceof RateLimitedError)
    assert.equal(throttled.retryAfter, 1)
    // Another address is not held back by this one's pair counter.
    await u.auth.login('alice', PASSWORD, { ...CLIENT, ip: '198.51.100.1' })
    u.clock.advance(1)
    await u.auth.login('alice', PASSWORD, CLIENT)
  })

  test('throttling off (RATE_LIMIT_ENABLED=false) lets every attempt through', async () => {
    const u = createUseCases({ rateLimit: { enabled: false, pairFreeAttempts: 1 } })
    await addUser(u)
    for (let i = 0; i < 5; i++) await rejectsWith(u.auth.login('alice', `guess ${i}`, CLIENT), 'ERR_AUTH_BAD_CREDENTIALS')
    await u.auth.login('alice', PASSWORD, CLIENT)
  })

  test('login fills the user cache with the fresh row: the next request needs no database (an outage right after login)', async () => {
    const u = createUseCases()
    const user = await addUser(u)
    const pair = await u.auth.login('alice', PASSWORD, CLIENT)
    await u.store.close()
    const auth = u.auth.authenticateAccess(pair.access.token)
    const cached = await u.auth.getActiveUser(auth.userId)
    assert.equal(cached.id, user.id)
    assert.equal(cached.last_login, u.clock.ms)
    assert.equal('password' in cached, false)
  })

  test('beyond maxSessionsPerUser live sessions a login revokes the least recently used ones, at once', async () => {
    const u = createUseCases({ tokens: { maxSessionsPerUser: 3 } })
    await addUser(u)
    const pairs = []
    for (let i = 0; i < 5; i++) {
      pairs.push(await u.auth.login('alice', PASSWORD, CLIENT))
      u.clock.advance(1)
    }
    const live = await u.auth.listSessions(pairs[0]!.user.id, undefined)
    assert.deepEqual(live.map((s) => s.id), pairs.slice(2).reverse().map((p) => p.session.id))
    for (const old of pairs.slice(0, 2)) {
      assert.equal((await u.store.findSession(old.session.id))?.revoke_reason, 'session_limit')
      throwsWith(() => u.auth.authenticateAccess(old.access.token), 'ERR_TOKEN_BLACKLISTED')
    }
    // The same clock for every login (a burst): the one just opened is never the one cut.
    const burst = createUseCases({ tokens: { maxSessionsPerUser: 1 } })
    await addUser(burst)
    for (let i = 0; i < 3; i++) {
      const pair = await burst.auth.login('alice', PASSWORD, CLIENT)
      assert.equal(burst.auth.authenticateAccess(pair.access.token).sessionId, pair.session.id)
    }
  })
})
