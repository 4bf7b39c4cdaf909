import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ValidationError } from '../../src/errors.js'
import { addUser, CLIENT, createUseCases, PASSWORD, rejectsWith, throwsWith } from './support.js'

const NEW_PASSWORD = 'a much better passphrase'

async function twoLogins() {
  const u = createUseCases()
  const user = await addUser(u)
  const here = await u.auth.login('alice', PASSWORD, CLIENT)
  const elsewhere = await u.auth.login('alice', PASSWORD, { ip: '198.51.100.9', userAgent: 'Phone', csrfSecret: '' })
  u.audit.length = 0
  return { u, user, here, elsewhere }
}

describe('password change (use case, no HTTP)', () => {
  test('stores the new password and ends every other session; the current one stays', async () => {
    const { u, user, here, elsewhere } = await twoLogins()
    await u.auth.changePassword(user.id, here.session.id, PASSWORD, NEW_PASSWORD)
    assert.deepEqual(u.events(), ['session_revoked', 'password_changed'])
    throwsWith(() => u.auth.authenticateAccess(elsewhere.access.token), 'ERR_TOKEN_BLACKLISTED')
    await rejectsWith(u.auth.refresh(elsewhere.refresh.token, CLIENT), 'ERR_TOKEN_BLACKLISTED')
    assert.equal((await u.store.findSession(elsewhere.session.id))?.revoke_reason, 'password_changed')
    assert.equal(u.auth.authenticateAccess(here.access.token).sessionId, here.session.id)
    await u.auth.refresh(here.refresh.token, CLIENT)
    await rejectsWith(u.auth.login('alice', PASSWORD, CLIENT), 'ERR_AUTH_BAD_CREDENTIALS')
    await u.auth.login('alice', NEW_PASSWORD, CLIENT)
  })

  test('a wrong old password is a field error and changes nothing', async () => {
    const { u, user, elsewhere } = await twoLogins()
    const before = (await u.store.findUserById(user.id))?.password
    const error = await rejectsWith(u.auth.changePassword(user.id, undefined, 'not my password', NEW_PASSWORD), 'ERR_VALIDATION')
    assert.ok(error instanceof ValidationError)
    assert.deepEqual(Object.keys(error.fields), ['old_password'])
    assert.equal((await u.store.findUserById(user.id))?.password, before)
    assert.equal(u.auth.authenticateAccess(elsewhere.access.token).userId, user.id)
  })

  test("a new password that Django's validators refuse is a field error with their messages", async () => {
    const { u, user } = await twoLogins()
    const error = await rejectsWith(u.auth.changePassword(user.id, undefined, PASSWORD, '12345'), 'ERR_VALIDATION')
    assert.ok(error instanceof ValidationError)
    assert.deepEqual(error.fields.new_password, ['This password is too short. It must contain at least 8 characters.', 'This password is too common.', 'This password is entirely numeric.'])
    await u.auth.login('alice', PASSWORD, CLIENT)
  })

  test('guessing the old password (a stolen session) is throttled like login', async () => {
    const u = createUseCases({ rateLimit: { pairFreeAttempts: 2 } })
    const user = await addUser(u)
    for (let i = 0; i < 2; i++) await rejectsWith(u.auth.changePassword(user.id, undefined, `guess ${i}`, NEW_PASSWORD), 'ERR_VALIDATION')
    await rejectsWith(u.auth.changePassword(user.id, undefined, PASSWORD, NEW_PASSWORD), 'ERR_AUTH_RATE_LIMITED')
    u.clock.advance(1)
    await u.auth.changePassword(user.id, undefined, PASSWORD, NEW_PASSWORD)
  })

  test('an inactive or deleted user cannot change a password', async () => {
    const { u, user } = await twoLogins()
    await u.auth.setActive(user.id, false)
    await rejectsWith(u.auth.changePassword(user.id, undefined, PASSWORD, NEW_PASSWORD), 'ERR_AUTH_INACTIVE')
    await u.auth.deleteUser(user.id)
    await rejectsWith(u.auth.changePassword(user.id, undefined, PASSWORD, NEW_PASSWORD), 'ERR_AUTH_USER_NOT_FOUND')
  })

  test("an operator's setPassword ends every session, the caller's included", async () => {
    const { u, user, here, elsewhere } = await twoLogins()
    await u.auth.setPassword(user.id, NEW_PASSWORD)
    for (const pair of [here, elsewhere]) throwsWith(() => u.auth.authenticateAccess(pair.access.token), 'ERR_TOKEN_BLACKLISTED')
    await u.auth.login('alice', NEW_PASSWORD, CLIENT)
  })
})

describe('accounts (use cases, no HTTP)', () => {
  test('deactivation and deletion cut the user off at once on this instance', async () => {
    const { u, user, here, elsewhere } = await twoLogins()
    await u.auth.setActive(user.id, false)
    throwsWith(() => u.auth.authenticateAccess(here.access.token), 'ERR_TOKEN_BLACKLISTED')
    assert.equal(await u.auth.getUser(user.id).then((x) => x?.is_active), false)
    await u.auth.setActive(user.id, true)
    const again = await u.auth.login('alice', PASSWORD, CLIENT)
    assert.equal(await u.auth.deleteUser(user.id), true)
    throwsWith(() => u.auth.authenticateAccess(again.access.token), 'ERR_TOKEN_BLACKLISTED')
    assert.equal(await u.auth.getUser(user.id), null)
    throwsWith(() => u.auth.authenticateAccess(elsewhere.access.token), 'ERR_TOKEN_BLACKLISTED')
  })

  test('register creates an account and logs it in, never as staff; a taken name is a field error', async () => {
    const u = createUseCases()
    const pair = await u.auth.register({ username: 'bob', password: NEW_PASSWORD, is_staff: true, is_superuser: true }, CLIENT)
    assert.equal(pair.user.is_staff, false)
    assert.equal(pair.user.is_superuser, false)
    assert.equal(u.auth.authenticateAccess(pair.access.token).userId, pair.user.id)
    const taken = await rejectsWith(u.auth.register({ username: 'bob', password: NEW_PASSWORD }, CLIENT), 'ERR_VALIDATION')
    assert.deepEqual((taken as ValidationError).fields, { username: ['A user with that username already exists.'] })
  })

  test('registration closed (REGISTRATION_ENABLED=false) creates nothing', async () => {
    const u = createUseCases({ registrationEnabled: false })
    await rejectsWith(u.auth.register({ username: 'bob', password: NEW_PASSWORD }, CLIENT), 'ERR_AUTH_REGISTRATION_CLOSED')
    assert.equal(await u.store.findUserByUsername('bob'), null)
  })
})
