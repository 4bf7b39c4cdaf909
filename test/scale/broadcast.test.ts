import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RevocationList } from '../../src/auth/index.js'
import { decodeRevocation, encodeRevocation } from '../../src/scale/index.js'
import { linkRevocations, type RevocationBus } from '../../src/scale/broadcast.js'

const NOW = 1_700_000_000_000
const silent = { info() {}, warn() {} }

test('a revocation message round-trips', () => {
  const message = { sid: 'abc_DEF-123', at: NOW - 5, from: 'i1' }
  assert.deepEqual(decodeRevocation(encodeRevocation(message), NOW), message)
})

test("a user's entry for session-less tokens round-trips; anything else with a colon is dropped", () => {
  const message = { sid: 'user:42', at: NOW - 5, from: 'i1' }
  assert.deepEqual(decodeRevocation(encodeRevocation(message), NOW), message)
  for (const sid of ['user:', 'user:0', 'user:-1', 'user:12345678901', 'users:1', 'x:1']) assert.equal(decodeRevocation(encodeRevocation({ sid, at: NOW, from: 'x' }), NOW), null, sid)
})

test('malformed or hostile messages are dropped, never thrown on', () => {
  for (const payload of ['', 'not json', '{}', '[]', '["a",1]', '["a","1","x"]', '[1,1,"x"]', '["a",1e999,"x"]', '["a",null,"x"]', '["a b",1,"x"]', `["${'a'.repeat(65)}",1,"x"]`, '["__proto__",1,2]', '["a",1,"x",4]']) {
    assert.equal(decodeRevocation(payload, NOW), null, payload)
  }
})

test('a message from the future cannot make an entry outlive the access lifetime: its time is clamped to now', () => {
  assert.equal(decodeRevocation(encodeRevocation({ sid: 'a', at: NOW + 86_400_000, from: 'x' }), NOW)?.at, NOW)
})

test('linkRevocations publishes local revocations, applies others, ignores its own echo', async () => {
  const list = new RevocationList(60_000, () => NOW)
  const sent: string[] = []
  let learned = 0
  const link = linkRevocations(list, { instanceId: 'me', now: () => NOW, log: silent, onLearned: () => learned++ })
  const bus: RevocationBus = { kind: 'redis', publish: async (payload) => void sent.push(payload), close: async () => {} }
  link.attach(bus)
  list.add('local1', NOW)
  await link.flush()
  assert.deepEqual(sent.map((p) => decodeRevocation(p, NOW)), [{ sid: 'local1', at: NOW, from: 'me' }])

  link.receive(encodeRevocation({ sid: 'remote1', at: NOW - 1000, from: 'other' }))
  assert.equal(list.has('remote1'), true)
  assert.equal(learned, 1)
  link.receive(encodeRevocation({ sid: 'remote1', at: NOW - 1000, from: 'other' }))
  assert.equal(learned, 1, 'a repeat teaches nothing')
  link.receive(encodeRevocation({ sid: 'echo', at: NOW, from: 'me' }))
  assert.equal(list.has('echo'), false, 'its own message is not applied twice')
  assert.equal(sent.length, 1, 'received entries are not re-broadcast')
  link.receive(encodeRevocation({ sid: 'old', at: NOW - 120_000, from: 'other' }))
  assert.equal(list.has('old'), false, 'an entry older than the access lifetime is useless')
})

test('a failing bus never fails the revocation itself (the catch-up read repairs the loss)', async () => {
  const list = new RevocationList(60_000, () => NOW)
  const link = linkRevocations(list, { instanceId: 'me', now: () => NOW, log: silent })
  link.attach({ kind: 'postgres', publish: async () => Promise.reject(new Error('down')), close: async () => {} })
  list.add('s1', NOW)
  await link.flush()
  assert.equal(list.has('s1'), true)
})
