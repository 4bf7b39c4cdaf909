/** Without Redis, revocations travel over PostgreSQL LISTEN/NOTIFY (src/scale/pg-bus.ts). */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { pgUnavailable } from '../support/postgres.js'
import { Browser, userStatus } from './client.js'
import { startCluster, waitUntil, type Cluster } from './cluster.js'
import { tessera } from './processes.js'
import { TcpProxy } from './proxy.js'
import { runtimeOf } from '../../src/http/index.js'

const LOGOUT = '/accounts/auth/logout/'

describe('three instances on PostgreSQL alone', { skip: await pgUnavailable(), timeout: 60_000 }, () => {
  let proxy: TcpProxy
  let cluster: Cluster
  let A: string, B: string, C: string
  let password = 'correct horse battery'
  before(async () => {
    proxy = await TcpProxy.start(5432)
    // CATCHUP_INTERVAL far above 1 s: only the broadcast can meet the deadline.
    cluster = await startCluster(3, { REDIS_URL: '', CATCHUP_INTERVAL: '30s', DB_CONNECT_TIMEOUT: '1s', DB_TIMEOUT: '1s' }, (url) => url.replace('127.0.0.1:5432', proxy.url))
    ;[A, B, C] = cluster.instances.map((i) => i.url) as [string, string, string]
    await cluster.instances[0]!.app.tessera.createUser({ username: 'alice', password: 'correct horse battery' }, { validatePassword: false })
  })
  after(async () => {
    await cluster?.close()
    await proxy?.close()
  })

  async function revocationDelay(): Promise<number> {
    const browser = new Browser()
    assert.equal((await browser.login(A, 'alice', password)).status, 200)
    const access = browser.get('access_token')!
    assert.equal(await userStatus(C, access), 200)
    const sent = performance.now()
    assert.equal((await browser.request(B, 'POST', LOGOUT, { csrf: true })).status, 200)
    await waitUntil(async () => (await userStatus(A, access)) === 401 && (await userStatus(C, access)) === 401, 1000, 2)
    return performance.now() - sent
  }

  test('login on A, logout on B: refused on A and C within 1 s over NOTIFY', async () => {
    assert.deepEqual(cluster.instances.map((i) => runtimeOf(i.app).broadcast), ['postgres', 'postgres', 'postgres'])
    console.log(`# revocation over LISTEN/NOTIFY: ${(await revocationDelay()).toFixed(1)} ms`)
  })

  test('`tessera changepassword` in another process: the servers refuse the old sessions at once (NOTIFY, not the 30 s catch-up)', async () => {
    const browser = new Browser()
    assert.equal((await browser.login(A)).status, 200)
    const access = browser.get('access_token')!
    const run = tessera(['changepassword', 'alice'], { DATABASE_URL: cluster.env.DATABASE_URL!, TESSERA_PASSWORD: 'another horse battery' })
    assert.equal(await run.exit, 0, run.output())
    const exited = performance.now()
    await waitUntil(async () => (await userStatus(A, access)) === 401 && (await userStatus(C, access)) === 401, 1000, 5)
    console.log(`# changepassword by the CLI: old access token refused ${(performance.now() - exited).toFixed(0)} ms after the command exited`)
    password = 'another horse battery'
    assert.equal((await new Browser().login(B, 'alice', password)).status, 200)
  })

  test('the LISTEN connection comes back by itself after PostgreSQL does, with a warning meanwhile', async () => {
    await proxy.cut()
    await waitUntil(async () => cluster.instances.every((i) => i.warnings.some((l) => /LISTEN\/NOTIFY unavailable.*catch-up read/.test(l))), 3000)
    await new Promise((resolve) => setTimeout(resolve, 500))
    await proxy.restore()
    const back = await waitUntil(async () => {
      const texts = await Promise.all([A, B, C].map(async (base) => (await fetch(`${base}/metrics`)).text()))
      return texts.every((t) => /^tessera_dependency_up\{dependency="broadcast"\} 1$/m.test(t))
    }, 8000, 50)
    console.log(`# LISTEN re-established ${back.toFixed(0)} ms after PostgreSQL came back`)
    console.log(`# revocation over LISTEN/NOTIFY after the reconnection: ${(await revocationDelay()).toFixed(1)} ms`)
  })
})
