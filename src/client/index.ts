/**
 * `tessera/client`: the browser side of Tessera. No dependencies and no Node APIs; an ES module that a bundler
 * or a plain `<script type="module">` can load.
 */
export { createClient, type TesseraClient } from './client.js'
export { TesseraClientError } from './errors.js'
export { DEFAULT_ROUTES, type AuthState, type ClientOptions, type ClientRoutes, type LoginEvent, type LogoutEvent, type LogoutReason, type RegisterFields, type Session, type User } from './types.js'
