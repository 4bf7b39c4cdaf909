/**
 * `tessera/client`: the browser side of Tessera. No Node APIs; an ES module that a bundler or a plain
 * `<script type="module">` can load. Its one dependency, `@simplewebauthn/browser`, is imported by the passkey
 * helpers when first called (a page without a bundler maps that name, as the demo's server does).
 */
export { createClient, type TesseraClient } from './client.js'
export { TesseraClientError } from './errors.js'
export type { MfaHelpers, PasskeyHelpers } from './factors.js'
export { DEFAULT_ROUTES, type AuthState, type ClientOptions, type ClientRoutes, type LoginEvent, type LoginResult, type LogoutEvent, type LogoutReason, type MfaMethod, type Passkey, type RegisterFields, type SecondFactorProof, type Session, type TotpSetup, type User } from './types.js'
