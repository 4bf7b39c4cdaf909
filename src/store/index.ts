export { KyselyStore } from './kysely-store.js'
export { openStore, parseDatabaseUrl, type DatabaseTarget, type OpenedStore, type StoreOptions } from './open.js'
export { translateError } from './errors.js'
export type { Database } from './schema.js'
