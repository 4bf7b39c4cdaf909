/**
 * Second factors on two instances sharing PostgreSQL and Redis: the login step started on one completes on
 * the other, a code used on one is refused on the other, and enabling a factor on one ends the sessions that
 * the other serves, at once (the revocation broadcast), not at its next catch-up read.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { totpCode } from '../../src/auth/index.js'
import { pgUnavailable } from '../support/postgres.js'
import { Browser } from './client.js'
import { redisUnavailable, startCluster, waitUntil, type Cluster } from './cluster.js'

const skip = (await pgUnavailable()) ?? (await redisUnavailable())

describe('second factors on two instances', { skip, timeout: 60_000 }, () => {
  let cluster: Cluster
  let A: string, B: string
  before(async () => {
    // A catch-up read far in the future: only the broadcast can tell B in time.
    cluster = await startCluster(2, { CATCHUP_INTERVAL: '1h' })
    ;[A, B] = cluster.instances.map((i) => i.url) as [string, string]
    await cluster.instances[0]!.app.tessera.createUser({ username: 'alice', password: 'correct horse battery' }, { validatePassword: false })
  })
  after(() => cluster?.close())

  test('enabling TOTP on A ends the session B serves at once; a login started on A completes on B; the code is then spent on A', async () => {
    const other = new Browser()
    assert.equal((await other.login(B)).status, 200)
    assert.equal((await other.request(B, 'GET', '/accounts/user/')).status, 200)

    const enrolling = new Browser()
    await enrolling.login(A)
    const { secret } = (await enrolling.request(A, 'POST', '/accounts/auth/mfa/totp/', { body: { password: 'correct horse battery' }, csrf: true })).json() as { secret: string }
    assert.equal((await enrolling.request(A, 'POST', '/accounts/auth/mfa/totp/activate/', { body: { code: totpCode(secret, Date.now()) }, csrf: true })).status, 200)
    const took = await waitUntil(async () => (await other.request(B, 'GET', '/accounts/user/')).status === 401, 2000)
    assert.ok(took < 2000)

    const user = new Browser()
    assert.deepEqual((await user.login(A)).json(), { mfa_required: true, methods: ['totp', 'recovery_code'] })
    const code = totpCode(secret, Date.now() + 30_000)
    assert.equal((await user.request(B, 'POST', '/accounts/auth/mfa/verify/', { body: { code } })).status, 200)
    assert.equal((await user.request(A, 'GET', '/accounts/user/')).status, 200)
    const replay = new Browser()
    await replay.login(B)
    assert.deepEqual((await replay.request(A, 'POST', '/accounts/auth/mfa/verify/', { body: { code } })).json(), { code: ['Invalid code.'] })
  })
})
