import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RevocationList } from '../../src/auth/index.js'

const TTL = 900_000

describe('RevocationList: revoked sessions, remembered for one access lifetime', () => {
  it('a revoked session is refused until an access token issued before it could have expired', () => {
    let now = 1_000_000
    const list = new RevocationList(TTL, () => now)
    assert.equal(list.has('s1'), false)
    list.add('s1')
    assert.equal(list.has('s1'), true)
    now += TTL - 1
    assert.equal(list.has('s1'), true)
    now += 1
    assert.equal(list.has('s1'), false)
    assert.equal(list.size, 0, 'an expired entry is dropped when read')
  })

  it('ignores a revocation learnt after it could matter (catch-up of an old row)', () => {
    const now = 10_000_000
    const list = new RevocationList(TTL, () => now)
    list.add('old', now - TTL, false)
    assert.equal(list.has('old'), false)
    assert.equal(list.size, 0)
    list.add('recent', now - TTL + 1000, false)
    assert.equal(list.has('recent'), true)
  })

  it('keeps the later of two revocation times for one session', () => {
    let now = 0 + TTL
    const list = new RevocationList(TTL, () => now)
    list.add('s', now)
    list.add('s', now - 500_000, false)
    now += TTL - 1
    assert.equal(list.has('s'), true)
  })

  it('tells listeners about local revocations only (no echo of broadcast ones)', () => {
    const list = new RevocationList(TTL, () => 5_000)
    const heard: [string, number][] = []
    list.onRevoke((sid, at) => heard.push([sid, at]))
    list.add('local')
    list.add('remote', 5_000, false)
    assert.deepEqual(heard, [['local', 5_000]])
  })

  it('prune() drops every expired entry, so memory stays bounded', () => {
    let now = 0
    const list = new RevocationList(TTL, () => now)
    for (let i = 0; i < 100; i++) list.add(`s${i}`)
    now += TTL / 2
    list.add('fresh')
    now += TTL / 2
    list.prune()
    assert.equal(list.size, 1)
    assert.equal(list.has('fresh'), true)
  })

  it('prunes by itself every 1024 additions', () => {
    let now = 0
    const list = new RevocationList(1000, () => now)
    for (let i = 0; i < 1000; i++) list.add(`old${i}`)
    now += 1000
    for (let i = 0; i < 24; i++) list.add(`new${i}`)
    assert.equal(list.size, 24)
  })
})
