import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { test } from 'node:test'
import { StoreUnavailableError } from '../../src/errors.js'
import { openStore } from '../../src/store/index.js'
import { createPgDatabase, pgUnavailable } from '../support/postgres.js'
import { closedPort } from '../support/net.js'
import { storeContract } from './contract.js'

const unavailable = await pgUnavailable()
if (unavailable) {
  test('Store contract on PostgreSQL', { skip: unavailable }, () => {})
} else {
  // Two pools on one database: the peer is another instance.
  storeContract('PostgreSQL', async () => {
    const database = await createPgDatabase('store')
    const main = await openStore(database.url, { poolSize: 10 })
    await main.migrate()
    const peer = await openStore(database.url, { poolSize: 10 })
    return {
      store: main.store,
      peer: peer.store,
      async reset() {
        await sql`truncate auth_refresh_token, auth_session, auth_user, auth_signing_key restart identity cascade`.execute(main.db)
      },
      async close() {
        await peer.store.close()
        await main.store.close()
        await database.drop()
      },
    }
  })

  test('PostgreSQL at a closed port: StoreUnavailableError within the connect timeout, never a hang', async () => {
    const opened = await openStore(`postgres://postgres@127.0.0.1:${await closedPort()}/nothing`, { connectTimeout: 500 })
    const started = Date.now()
    await assert.rejects(opened.store.ping(), StoreUnavailableError)
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`)
    await opened.store.close()
  })
}
