import { MemoryStore } from '../../src/store/index.js'
import { storeContract } from './contract.js'

// One process, one store: the peer is the same object, as on SQLite (many instances means PostgreSQL).
storeContract('memory', async () => {
  const store = new MemoryStore()
  return {
    store,
    peer: store,
    async reset() {
      store.clear()
    },
    close: () => store.close(),
  }
})
