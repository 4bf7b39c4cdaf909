import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/store/index.js'
import { storeContract } from './contract.js'

// A file in WAL mode, as served. The peer is the same store: better-sqlite3 is synchronous, so two
// connections in one thread would wait on each other's lock with the event loop blocked (SQLite is
// one process per file; many instances means PostgreSQL).
storeContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'))
  const opened = await openStore(join(dir, 'db.sqlite3'))
  await opened.migrate()
  return {
    store: opened.store,
    peer: opened.store,
    async reset() {
      for (const table of ['auth_refresh_token', 'auth_session', 'auth_user', 'auth_signing_key', 'mail_outbox'] as const) await opened.db.deleteFrom(table).execute()
    },
    async close() {
      await opened.store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})
