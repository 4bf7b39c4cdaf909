/** The claims SimpleJWT writes, plus Tessera's session id (`sid`). */
export type TokenType = 'access' | 'refresh'

export interface TokenClaims {
  token_type: TokenType
  /** Seconds since the epoch. */
  exp: number
  iat: number
  /** 32 hex characters, as SimpleJWT's `uuid4().hex`. */
  jti: string
  /** A number for Tessera's users; SimpleJWT may write a string. */
  user_id: number | string
  /** The session (token family). Absent from tokens issued by SimpleJWT. */
  sid?: string
  [claim: string]: unknown
}

export interface IssuedToken {
  token: string
  claims: TokenClaims
}
