import assert from 'node:assert/strict'
import { test } from 'node:test'
import { closedPort } from '../support/net.js'
import { createPgDatabase, pgQuery, pgUnavailable } from '../support/postgres.js'
import { redisUnavailable, testRedisPrefix, REDIS_URL, waitUntil } from './cluster.js'
import { tessera } from './processes.js'

const skip = (await pgUnavailable()) ?? (await redisUnavailable())

test('SIGTERM: in-flight requests finish, new ones are refused, pools and Redis close, exit 0', { skip, timeout: 60_000 }, async () => {
  const database = await createPgDatabase('shutdown')
  const port = await closedPort()
  const base = `http://127.0.0.1:${port}`
  // A costly hash so that a login is still in flight when the signal lands.
  const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: testRedisPrefix(), PORT: String(port), LOG_LEVEL: 'info', ARGON2_MEMORY_COST: '65536', ARGON2_TIME_COST: '4' }
  const server = tessera(['serve'], env)
  try {
    await waitUntil(async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok === true, 15_000, 50)
    assert.equal((await tessera(['createuser', '--username', 'alice', '--no-validate'], { ...env, TESSERA_PASSWORD: 'correct horse battery' }).exit), 0)
    const connections = await pgQuery<{ n: number }>(database.url, 'select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = $2', [database.name, 'tessera'])
    assert.ok(connections[0]!.n >= 1)

    const inFlight = fetch(`${base}/accounts/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }) })
    await new Promise((resolve) => setTimeout(resolve, 40))
    const signalled = performance.now()
    server.child.kill('SIGTERM')
    const response = await inFlight
    assert.equal(response.status, 200, 'the login in flight when SIGTERM arrived completes')
    // Without `Connection: close` on the in-flight response its keep-alive socket held the exit for 72 s.
    const exited = await Promise.race([server.exit, new Promise((resolve) => setTimeout(() => resolve('still running after 5 s'), 5000))])
    assert.equal(exited, 0, server.output())
    console.log(`# SIGTERM to exit: ${(performance.now() - signalled).toFixed(0)} ms`)
    assert.match(server.output(), /SIGTERM: finishing in-flight requests/)
    await assert.rejects(fetch(`${base}/healthz`), 'nothing listens any more')
  } finally {
    server.child.kill('SIGKILL')
    await database.drop()
  }
})
