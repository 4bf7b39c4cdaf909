/** The second factors' part of the Store contract (test/store/contract.ts runs it on every store). */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { NewMail, PendingLogin, Store } from '../../src/auth/index.js'

const T0 = 1_700_000_000_000
const notice = (userId: number): NewMail => ({ to_address: 'alice@example.com', user_id: userId, kind: 'mfa_factor_added', subject: 's', text_body: 't', html_body: '<p>h</p>' })
const pendingRow = (userId: number, overrides: Partial<PendingLogin> = {}): PendingLogin => ({ id: `p-${Math.random()}`, user_id: userId, client_key: 'client', created_at: T0, expires_at: T0 + 300_000, failures: 0, ...overrides })

export function mfaContract(get: () => { store: Store; peer: Store; userId: number }) {
  test('TOTP: an unconfirmed secret is replaced until activation; activation is one compare-and-set with its codes and its mail', async () => {
    const { store, peer, userId } = get()
    assert.equal(await store.findTotp(userId), null)
    assert.equal(await store.startTotp(userId, 'sealed-1', T0), true)
    assert.equal(await store.startTotp(userId, 'sealed-2', T0 + 1), true)
    assert.deepEqual(await store.findTotp(userId), { user_id: userId, secret: 'sealed-2', confirmed_at: null, last_step: null, created_at: T0 + 1 })
    // The secret shown first is no longer the one stored: its activation changes nothing.
    assert.equal(await store.activateTotp(userId, 'sealed-1', 10, ['h1'], [notice(userId)], T0 + 2), false)
    assert.deepEqual(await store.listRecoveryCodes(userId), [])
    assert.deepEqual(await store.mailCounts(), { queued: 0, sent: 0, dead: 0 })
    assert.equal(await store.activateTotp(userId, 'sealed-2', 10, ['h1', 'h2'], [notice(userId)], T0 + 2), true)
    assert.equal(await peer.activateTotp(userId, 'sealed-2', 11, ['h3'], [], T0 + 3), false)
    assert.deepEqual(await store.findTotp(userId), { user_id: userId, secret: 'sealed-2', confirmed_at: T0 + 2, last_step: 10, created_at: T0 + 1 })
    assert.deepEqual((await store.listRecoveryCodes(userId)).map((c) => c.code_hash), ['h1', 'h2'])
    assert.deepEqual(await store.mailCounts(), { queued: 1, sent: 0, dead: 0 })
    assert.equal(await store.startTotp(userId, 'sealed-3', T0 + 4), false, 'a confirmed factor is not replaced by a new enrolment')
    assert.equal((await store.findTotp(userId))?.secret, 'sealed-2')
  })

  test('TOTP: a time step is accepted once and never an earlier one, on any instance', async () => {
    const { store, peer, userId } = get()
    assert.equal(await store.useTotpStep(userId, 5), false, 'no confirmed factor')
    await store.startTotp(userId, 's', T0)
    assert.equal(await store.useTotpStep(userId, 5), false, 'an unconfirmed factor logs nobody in')
    await store.activateTotp(userId, 's', 10, [], [], T0)
    assert.equal(await store.useTotpStep(userId, 10), false)
    assert.equal(await store.useTotpStep(userId, 11), true)
    assert.equal(await peer.useTotpStep(userId, 11), false)
    assert.equal(await peer.useTotpStep(userId, 9), false)
    const racers = await Promise.all([store.useTotpStep(userId, 12), peer.useTotpStep(userId, 12), store.useTotpStep(userId, 12)])
    assert.equal(racers.filter(Boolean).length, 1)
  })

  test('recovery codes are used once; removing TOTP takes the codes and queues its notice; nothing when there was none', async () => {
    const { store, peer, userId } = get()
    await store.startTotp(userId, 's', T0)
    await store.activateTotp(userId, 's', 1, ['a', 'b'], [], T0)
    const [first] = await store.listRecoveryCodes(userId)
    const racers = await Promise.all([store.useRecoveryCode(first!.id, [notice(userId)], T0), peer.useRecoveryCode(first!.id, [notice(userId)], T0)])
    assert.deepEqual(racers.sort(), [false, true])
    assert.deepEqual((await store.listRecoveryCodes(userId)).map((c) => c.code_hash), ['b'])
    assert.deepEqual(await store.mailCounts(), { queued: 1, sent: 0, dead: 0 })
    assert.equal(await store.removeTotp(userId, [notice(userId)], T0), true)
    assert.equal(await store.findTotp(userId), null)
    assert.deepEqual(await store.listRecoveryCodes(userId), [])
    assert.equal(await store.removeTotp(userId, [notice(userId)], T0), false)
    assert.deepEqual(await store.mailCounts(), { queued: 2, sent: 0, dead: 0 })
  })

  test('pending logins: found, counted, consumed once; expired ones are forgotten; they go with their user', async () => {
    const { store, peer, userId } = get()
    const old = pendingRow(userId, { id: 'old', expires_at: T0 + 10 })
    await store.createPendingLogin(old)
    const fresh = pendingRow(userId, { id: 'fresh', created_at: T0 + 10 })
    await store.createPendingLogin(fresh)
    assert.equal(await store.findPendingLogin('old'), null)
    assert.deepEqual(await store.findPendingLogin('fresh'), fresh)
    assert.equal(await store.failPendingLogin('fresh'), 1)
    assert.equal(await peer.failPendingLogin('fresh'), 2)
    assert.equal(await store.failPendingLogin('absent'), 0)
    assert.deepEqual((await Promise.all([store.consumePendingLogin('fresh'), peer.consumePendingLogin('fresh')])).sort(), [false, true])
    await store.createPendingLogin(pendingRow(userId, { id: 'again', created_at: T0 + 10 }))
    await store.startTotp(userId, 's', T0)
    await store.activateTotp(userId, 's', 1, ['a'], [], T0)
    assert.equal(await store.deleteUser(userId), true)
    assert.equal(await store.findPendingLogin('again'), null)
    assert.equal(await store.findTotp(userId), null)
    assert.deepEqual(await store.listRecoveryCodes(userId), [])
  })
}

export function passkeyContract(get: () => { store: Store; peer: Store; userId: number }) {
  const passkey = (userId: number, id: string, created = T0) => ({ id, user_id: userId, public_key: 'pQECAyYgASFYIA', counter: 0, transports: 'internal', name: `Key ${id}`, created_at: created, last_used_at: null })

  test('passkeys: listed by age, a credential id is registered once (ERR_CONFLICT, nothing queued), removed one or all', async () => {
    const { store, userId } = get()
    await store.addPasskey(passkey(userId, 'b', T0 + 1), [notice(userId)], T0)
    await store.addPasskey(passkey(userId, 'a', T0 + 2), [], T0)
    assert.deepEqual((await store.listPasskeys(userId)).map((p) => p.id), ['b', 'a'])
    assert.deepEqual(await store.findPasskey('b'), passkey(userId, 'b', T0 + 1))
    await assert.rejects(store.addPasskey(passkey(userId, 'a'), [notice(userId)], T0), (e: unknown) => (e as { code?: string }).code === 'ERR_CONFLICT')
    assert.deepEqual(await store.mailCounts(), { queued: 1, sent: 0, dead: 0 })
    assert.equal(await store.removePasskeys(userId + 1, 'a', [], T0), false, "another user's id removes nothing")
    assert.equal(await store.removePasskeys(userId, 'a', [notice(userId)], T0), true)
    assert.equal(await store.removePasskeys(userId, 'a', [notice(userId)], T0), false)
    await store.addPasskey(passkey(userId, 'c'), [], T0)
    assert.equal(await store.removePasskeys(userId, null, [], T0), true)
    assert.deepEqual(await store.listPasskeys(userId), [])
    assert.deepEqual(await store.mailCounts(), { queued: 2, sent: 0, dead: 0 })
  })

  test('the signature counter only goes up (compare-and-set across instances); 0 stays allowed for authenticators without one', async () => {
    const { store, peer, userId } = get()
    await store.addPasskey(passkey(userId, 'k'), [], T0)
    assert.equal(await store.usePasskey('k', 0, T0 + 1), true)
    assert.equal(await store.usePasskey('k', 5, T0 + 2), true)
    assert.deepEqual([(await store.findPasskey('k'))?.counter, (await store.findPasskey('k'))?.last_used_at], [5, T0 + 2])
    assert.equal(await peer.usePasskey('k', 5, T0 + 3), false)
    assert.equal(await peer.usePasskey('k', 0, T0 + 3), false)
    const racers = await Promise.all([store.usePasskey('k', 6, T0), peer.usePasskey('k', 6, T0)])
    assert.deepEqual(racers.sort(), [false, true])
    assert.equal(await store.usePasskey('absent', 9, T0), false)
  })

  test('challenges are taken once; expired ones are forgotten; they go with their user', async () => {
    const { store, peer, userId } = get()
    const row = (id: string, expires: number) => ({ id, challenge: `ch-${id}`, purpose: 'register' as const, user_id: userId, client_key: 'k', expires_at: expires })
    await store.createChallenge(row('old', T0 + 5), T0)
    await store.createChallenge({ ...row('anon', T0 + 100), user_id: null, purpose: 'login' }, T0 + 10)
    assert.equal(await store.takeChallenge('old'), null)
    assert.deepEqual((await Promise.all([store.takeChallenge('anon'), peer.takeChallenge('anon')])).filter(Boolean), [{ ...row('anon', T0 + 100), user_id: null, purpose: 'login' }])
    await store.createChallenge(row('mine', T0 + 100), T0)
    await store.addPasskey(passkey(userId, 'gone'), [], T0)
    await store.deleteUser(userId)
    assert.equal(await store.takeChallenge('mine'), null)
    assert.equal(await store.findPasskey('gone'), null)
  })
}
