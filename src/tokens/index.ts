export type { TokenClaims, TokenType, IssuedToken } from './claims.js'
export { TokenInvalidError } from './errors.js'
export { createHmacKey, createKeyRing, generateKey, isHmac, toPublicJwk, type KeyRing, type SigningKey } from './keys.js'
export { createTokenService, newJti, type TokenService, type TokenServiceDeps } from './service.js'
