/** Django's CSRF scheme as pure functions: secrets and masking, Origin/Referer checks, the full decision. */
export * from './token.js'
export * from './origin.js'
export * from './check.js'
