import { TesseraError } from '../errors.js'
import type { TokenType } from './claims.js'

/** A token that must be refused; `message` is SimpleJWT's wording ("Token is expired", ...). */
export class TokenInvalidError extends TesseraError {
  constructor(
    readonly tokenType: TokenType,
    message: string,
    readonly reason: 'invalid' | 'expired' | 'wrong_type' | 'blacklisted' | 'revoked' | 'reused' = 'invalid',
    options?: ErrorOptions,
  ) {
    super(reason === 'expired' ? 'ERR_TOKEN_EXPIRED' : reason === 'blacklisted' || reason === 'revoked' ? 'ERR_TOKEN_BLACKLISTED' : reason === 'reused' ? 'ERR_TOKEN_REUSED' : 'ERR_TOKEN_INVALID', message, options)
  }
}
