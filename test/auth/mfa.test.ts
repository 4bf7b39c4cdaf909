import assert from 'node:assert/strict'
import { test } from 'node:test'
import { totpCode } from '../../src/auth/index.js'
import { addUser, CLIENT, createUseCases, PASSWORD, rejectsWith } from './support.js'

async function withTotp() {
  const u = createUseCases()
  const alice = await addUser(u)
  const pair = await u.auth.login('alice', PASSWORD, CLIENT)
  const actor = { userId: alice.id, sessionId: pair.session.id }
  const { secret } = await u.auth.setupTotp(actor, PASSWORD)
  const codes = await u.auth.activateTotp(actor, totpCode(secret, u.clock.ms))
  return { u, alice, actor, secret, codes }
}

test('the use-case login opens no session for an account with a factor; the login step answers a pending login instead', async () => {
  const { u, alice } = await withTotp()
  await rejectsWith(u.auth.login('alice', PASSWORD, CLIENT), 'ERR_AUTH_MFA_REQUIRED')
  const step = await u.auth.beginLogin('alice', PASSWORD, CLIENT)
  assert.ok('mfa' in step)
  assert.deepEqual(step.mfa.methods, ['totp', 'recovery_code'])
  assert.equal((await u.store.listSessions(alice.id, u.clock.ms)).length, 1, 'only the session that enrolled')
  assert.ok(u.events().includes('mfa_required'))
})

test('another instance accepts the pending login and refuses a code this one used (the step is in the store)', async () => {
  const { u, secret } = await withTotp()
  const step = await u.auth.beginLogin('alice', PASSWORD, CLIENT)
  assert.ok('mfa' in step)
  u.clock.advance(30)
  const code = totpCode(secret, u.clock.ms)
  const pair = await u.peer().verifySecondFactor(step.mfa.token, { code }, CLIENT, { ...CLIENT, csrfSecret: 'b'.repeat(32) })
  assert.ok(pair.session.id)
  assert.equal((await u.store.findSession(pair.session.id))?.user_id, pair.user.id)
  const next = await u.auth.beginLogin('alice', PASSWORD, CLIENT)
  assert.ok('mfa' in next)
  await rejectsWith(u.auth.verifySecondFactor(next.mfa.token, { code }, CLIENT, CLIENT), 'ERR_VALIDATION')
})

test('an inactive account: the pending login ends, nothing opens', async () => {
  const { u, alice, secret } = await withTotp()
  const step = await u.auth.beginLogin('alice', PASSWORD, CLIENT)
  assert.ok('mfa' in step)
  await u.auth.setActive(alice.id, false)
  u.clock.advance(30)
  await rejectsWith(u.auth.verifySecondFactor(step.mfa.token, { code: totpCode(secret, u.clock.ms) }, CLIENT, CLIENT), 'ERR_AUTH_MFA_PENDING')
  await u.auth.setActive(alice.id, true)
  u.clock.advance(30)
  await rejectsWith(u.auth.verifySecondFactor(step.mfa.token, { code: totpCode(secret, u.clock.ms) }, CLIENT, CLIENT), 'ERR_AUTH_MFA_PENDING')
})

test('resetFactors removes TOTP and passkeys and revokes every session; false for a user without factors', async () => {
  const { u, alice } = await withTotp()
  await u.store.addPasskey({ id: 'k', user_id: alice.id, public_key: 'x', counter: 0, transports: '', name: 'Key', created_at: u.clock.ms, last_used_at: null }, [], u.clock.ms)
  assert.equal(await u.auth.resetFactors(alice.id), true)
  assert.equal(await u.store.findTotp(alice.id), null)
  assert.deepEqual(await u.store.listPasskeys(alice.id), [])
  assert.deepEqual(await u.store.listSessions(alice.id, u.clock.ms), [])
  assert.equal(await u.auth.resetFactors(alice.id), false)
  assert.equal(await u.auth.resetFactors(424242), false)
  assert.ok('access' in (await u.auth.beginLogin('alice', PASSWORD, CLIENT)))
})
