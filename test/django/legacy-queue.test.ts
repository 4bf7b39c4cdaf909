import assert from 'node:assert/strict'
import { pbkdf2Sync } from 'node:crypto'
import { after, before, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'

/**
 * Issue 11, finding 4: imported hashes cost seconds each (pbkdf2 at Django's 1,000,000 iterations is
 * ~0.7 s here). A crowd of them must not hold up an argon2 login or the health check, and beyond the
 * queue they are shed with 503 + Retry-After instead of piling up.
 */
let t: TestApp
before(async () => {
  t = await createTestApp({ LEGACY_HASH_CONCURRENCY: '1', LEGACY_HASH_QUEUE: '1', ARGON2_MAX_CONCURRENCY: '1' })
  await createUser(t, 'alice', 'correct horse battery')
  const hash = pbkdf2Sync('imported password', 'legacysalt', 1_000_000, 32, 'sha256').toString('base64')
  await t.opened.store.createUser({ username: 'legacy', email: '', first_name: '', last_name: '', password: `pbkdf2_sha256$1000000$legacysalt$${hash}`, is_active: true, is_staff: false, is_superuser: false })
})
after(() => t.close())

const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: '/accounts/auth/login/', payload: { username, password } })

test('four imported-hash logins at once: an argon2 login and /healthz answer first; the excess gets 503 + Retry-After', async () => {
  const finished: string[] = []
  const legacy = Array.from({ length: 4 }, (_, i) => login('legacy', `wrong ${i}`).then((r) => {
    finished.push(`legacy ${r.statusCode}`)
    return r
  }))
  const normal = login('alice', 'correct horse battery').then((r) => {
    finished.push(`alice ${r.statusCode}`)
    return r
  })
  const health = t.app.inject({ url: '/healthz' }).then((r) => {
    finished.push(`healthz ${r.statusCode}`)
    return r
  })
  const responses = await Promise.all(legacy)
  await Promise.all([normal, health])
  const firstChecked = finished.indexOf('legacy 401')
  assert.ok(finished.indexOf('alice 200') < firstChecked && finished.indexOf('healthz 200') < firstChecked, finished.join(', '))
  assert.deepEqual(responses.map((r) => r.statusCode).sort(), [401, 401, 503, 503], 'one running, one waiting, two shed')
  for (const shed of responses.filter((r) => r.statusCode === 503)) {
    assert.ok(Number(shed.headers['retry-after']) >= 1)
    assert.deepEqual(shed.json(), { detail: 'Service temporarily unavailable, try again later.' })
  }
  assert.equal((await login('legacy', 'imported password')).statusCode, 200, 'and a later try gets through')
})
