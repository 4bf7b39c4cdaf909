/**
 * `tessera/client`: the browser side of Tessera. No dependencies and no Node APIs; an ES module that a bundler
 * or a plain `<script type="module">` can load.
 */
export { createClient, type TesseraClient } from './client.js'
export { TesseraClientError } from './errors.js'
export type { AuthState, ClientOptions, LoginEvent, LogoutEvent, LogoutReason, RegisterFields, Session, User } from './types.js'
