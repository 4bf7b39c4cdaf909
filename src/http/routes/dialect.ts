import type { FastifyReply, FastifyRequest } from 'fastify'
import type { NewAccount, TokenPair, UserInfo } from '../../auth/index.js'
import type { Config } from '../../config/index.js'
import { TesseraError, ValidationError } from '../../errors.js'
import { setCsrfCookie, setTokenCookies } from '../cookies.js'
import { credentialsBody, emptySchema, loginAnswer, passwordChangeBody, registerBody, userSchema } from '../schemas.js'

/**
 * The bodies that differ between route profiles. `seed` and `simplejwt` answer the contract's part 1;
 * `dj-rest-auth` answers as dj-rest-auth does with `USE_JWT` and `JWT_AUTH_HTTPONLY`, so that its front ends
 * read what they expect. One object per profile, chosen once at registration: the handlers do not branch.
 */
export interface Dialect {
  /** The body of `GET user/` (and of a profile update). */
  user(user: ShownUser): object
  userSchema: object
  /** The answer to a login (and to a registration that logs in). */
  loggedIn(user: UserInfo): object
  loggedInSchema: object
  /** The answer to a logout, and the refusal when there is nothing to log out. */
  loggedOut: object
  loggedOutSchema: object
  noRefreshCookie: TesseraError
  /** Registration: the body's schema, the account it asks for, and the answer (`session`: it logged in). */
  registerSchema: object
  account(body: Record<string, string | undefined>): NewAccount
  registered(user: ShownUser, session: boolean): object
  registeredSchema: object
  /** Password change: the body's schema, the passwords (`confirm`: the new one again), the answer. */
  passwordChangeSchema: object
  passwords(body: Record<string, string | undefined>): { old: string; new: string; confirm?: string }
  passwordChanged: object
  passwordChangedSchema: object
  /** Runs a use case, answering its field errors under this profile's field names. */
  fieldsOf<T>(work: () => Promise<T>): Promise<T>
}

type ShownUser = Pick<UserInfo, 'id' | 'username' | 'first_name' | 'last_name' | 'email' | 'email_verified'>
/** The contract's user body (`GET user/` in every profile). */
export const publicUser = (u: ShownUser) => ({ id: u.id, username: u.username, first_name: u.first_name, last_name: u.last_name, email: u.email, email_verified: u.email_verified })

const PERMISSION_DENIED = new TesseraError('ERR_TOKEN_MISSING', 'You do not have permission to perform this action.')
const password = { type: 'string', minLength: 1, maxLength: 4096, pattern: '^[^\\u0000]*$' } as const
const detail = { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] } as const
const sansPassword = (body: Record<string, string | undefined>) => ({ username: body.username ?? '', email: body.email, first_name: body.first_name, last_name: body.last_name })

const seed: Dialect = {
  user: publicUser,
  userSchema,
  loggedIn: () => ({}),
  loggedInSchema: emptySchema,
  loggedOut: {},
  loggedOutSchema: emptySchema,
  noRefreshCookie: PERMISSION_DENIED,
  registerSchema: registerBody,
  account: (body) => ({ ...sansPassword(body), password: body.password ?? '' }),
  registered: (user) => publicUser(user),
  registeredSchema: userSchema,
  passwordChangeSchema: passwordChangeBody,
  passwords: (body) => ({ old: body.old_password ?? '', new: body.new_password ?? '' }),
  passwordChanged: {},
  passwordChangedSchema: emptySchema,
  fieldsOf: (work) => work(),
}

/** dj-rest-auth's RegisterSerializer (a plain apostrophe, unlike Django's forms). */
const REGISTER_MISMATCH = "The two password fields didn't match."

/** Tessera's field names as dj-rest-auth's serializers call them. */
const DJ_FIELDS: Record<string, string> = { password: 'password1', new_password: 'new_password2' }
async function djFields<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    throw new ValidationError(Object.fromEntries(Object.entries(error.fields).map(([field, messages]) => [DJ_FIELDS[field] ?? field, messages])))
  }
}

// dj-rest-auth's UserDetailsSerializer: `pk` and the names.
const djUserBody = (user: ShownUser) => ({ pk: user.id, username: user.username, email: user.email, first_name: user.first_name, last_name: user.last_name })
const djUser = { type: 'object', properties: { pk: { type: 'integer' }, username: { type: 'string' }, email: { type: 'string' }, first_name: { type: 'string' }, last_name: { type: 'string' } } } as const
const djLoggedIn = { type: 'object', properties: { access: { type: 'string' }, refresh: { type: 'string' }, user: djUser }, required: ['access', 'refresh', 'user'] } as const
const djRestAuth: Dialect = {
  // UserDetailsSerializer's `pk` besides the contract's keys: its front ends read `user.pk`.
  user: (user) => ({ pk: user.id, ...publicUser(user) }),
  userSchema: { ...userSchema, properties: { pk: { type: 'integer' }, ...userSchema.properties } },
  // JWTSerializer's keys; with JWT_AUTH_HTTPONLY the tokens live in the cookies only, never in the body.
  loggedIn: (user) => ({ access: '', refresh: '', user: djUserBody(user) }),
  loggedInSchema: djLoggedIn,
  loggedOut: { detail: 'Successfully logged out.' },
  loggedOutSchema: detail,
  noRefreshCookie: new TesseraError('ERR_AUTH_NOT_AUTHENTICATED', 'Refresh token was not included in cookie data.'),
  registerSchema: {
    type: 'object',
    required: ['username', 'password1', 'password2'],
    properties: { username: credentialsBody.properties.username, email: registerBody.properties.email, password1: password, password2: password, first_name: registerBody.properties.first_name, last_name: registerBody.properties.last_name },
  },
  account: (body) => {
    if (body.password1 !== body.password2) throw new ValidationError({ non_field_errors: [REGISTER_MISMATCH] })
    return { ...sansPassword(body), password: body.password1 ?? '' }
  },
  // RegisterView: JWTSerializer's body, or its detail under mandatory verification (with the user, as the contract's 201 has it).
  registered: (user, session) => (session ? { access: '', refresh: '', user: djUserBody(user) } : { detail: 'Verification e-mail sent.', user: djUserBody(user) }),
  registeredSchema: { type: 'object', properties: { ...djLoggedIn.properties, detail: { type: 'string' } }, required: ['user'] },
  passwordChangeSchema: { type: 'object', required: ['old_password', 'new_password1', 'new_password2'], properties: { old_password: password, new_password1: password, new_password2: password } },
  // The mismatch is checked after the old password, as SetPasswordForm runs after the serializer's fields.
  passwords: (body) => ({ old: body.old_password ?? '', new: body.new_password1 ?? '', confirm: body.new_password2 ?? '' }),
  passwordChanged: { detail: 'New password has been saved.' },
  passwordChangedSchema: detail,
  fieldsOf: djFields,
}

export const dialectOf = (config: Config): Dialect => (config.routeProfile === 'dj-rest-auth' ? djRestAuth : seed)

/**
 * A completed login, whichever route completed it (password, second factor, passkey): the auth cookies, the
 * rotated CSRF cookie, and the profile's login body.
 */
export function answerLogin(config: Config, request: FastifyRequest, reply: FastifyReply, pair: TokenPair, csrfSecret: string): object {
  setTokenCookies(config, request, reply, pair.access, pair.refresh)
  setCsrfCookie(config, request, reply, csrfSecret)
  return dialectOf(config).loggedIn(pair.user)
}

/** The schema of a login's answer: the profile's body, or the second step's `{mfa_required, methods}`. */
export const loginAnswerSchema = (config: Config) => ({ type: 'object', properties: { ...loginAnswer.properties, ...(dialectOf(config).loggedInSchema as { properties?: object }).properties } })
