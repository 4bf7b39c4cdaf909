/** Tessera: cookie-based JWT authentication for single-page apps, as a Fastify plugin. */
export { tessera, tessera as default, buildServer, type TesseraApi, type TesseraPluginOptions, type RequestAuth, type SessionInfo, type ServerOptions } from './http/index.js'
export { loadOptions, optionsFromEnv, resolveOptions, ENV_VARIABLES, type Config, type Duration, type TesseraOptions } from './config/index.js'
export { createRuntime, type Runtime, type RuntimeDeps } from './runtime.js'
export { openStore, type OpenedStore } from './store/index.js'
export { TesseraError, type ErrorCode } from './errors.js'
export type { AccessContext, NewAccount, Store, User, UserInfo, Session } from './auth/index.js'
export type { TokenClaims } from './tokens/index.js'
