/** Tessera: cookie-based JWT authentication for single-page apps, as a Fastify plugin. */
export { tessera, tessera as default, buildServer, createTessera, type Tessera, type TesseraOptions, type TesseraDecorator, type ServerOptions } from './http/index.js'
export { loadConfig, resolveConfig, type Config } from './config/index.js'
export { openStore, type OpenedStore } from './store/index.js'
export { TesseraError, type ErrorCode } from './errors.js'
export type { AccessContext, AuthService, Store, User, Session } from './auth/index.js'
export type { TokenClaims } from './tokens/index.js'
