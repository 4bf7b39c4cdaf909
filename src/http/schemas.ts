/** JSON schemas shared by the routes; they validate input and document the API in OpenAPI. */
const noNul = '^[^\\u0000]*$'

export const detailSchema = { type: 'object', additionalProperties: true, properties: { detail: { type: 'string' }, code: { type: 'string' } }, required: ['detail'] } as const
export const emptySchema = { type: 'object', additionalProperties: false, properties: {} } as const

export const credentialsBody = {
  type: 'object',
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 150, pattern: noNul },
    password: { type: 'string', minLength: 1, maxLength: 4096, pattern: noNul },
  },
} as const

export const registerBody = {
  type: 'object',
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 150, pattern: noNul },
    password: { type: 'string', minLength: 1, maxLength: 4096, pattern: noNul },
    email: { type: 'string', maxLength: 254, pattern: noNul },
    first_name: { type: 'string', maxLength: 150, pattern: noNul },
    last_name: { type: 'string', maxLength: 150, pattern: noNul },
  },
} as const

export const passwordChangeBody = {
  type: 'object',
  required: ['old_password', 'new_password'],
  properties: {
    old_password: { type: 'string', minLength: 1, maxLength: 4096, pattern: noNul },
    new_password: { type: 'string', minLength: 1, maxLength: 4096, pattern: noNul },
  },
} as const

export const verifyBody = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 8192 } },
} as const

export const userSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, username: { type: 'string' }, first_name: { type: 'string' }, last_name: { type: 'string' }, email: { type: 'string' }, email_verified: { type: 'boolean' } },
  required: ['id', 'username', 'first_name', 'last_name'],
} as const

const emailField = { type: 'string', maxLength: 254, pattern: noNul } as const
const password = { type: 'string', minLength: 1, maxLength: 4096, pattern: noNul } as const

export const emailBody = { type: 'object', required: ['email'], properties: { email: emailField } } as const
export const resetConfirmBody = {
  type: 'object',
  required: ['uid', 'token', 'new_password1', 'new_password2'],
  properties: { uid: { type: 'string', maxLength: 64 }, token: { type: 'string', maxLength: 128 }, new_password1: password, new_password2: password },
} as const
export const keyBody = { type: 'object', required: ['key'], properties: { key: { type: 'string', maxLength: 1024 } } } as const
/** dj-rest-auth's user view: writable names (and username), the email through confirmation; other fields are ignored. */
export const profileBody = {
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 150, pattern: noNul },
    first_name: { type: 'string', maxLength: 150, pattern: noNul },
    last_name: { type: 'string', maxLength: 150, pattern: noNul },
    email: emailField,
    password,
  },
} as const
export const passwordBody = { type: ['object', 'null'], properties: { password } } as const
export const detailOnly = { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] } as const

export const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    last_used: { type: 'string', format: 'date-time' },
    user_agent: { type: 'string' },
    ip: { type: 'string' },
    current: { type: 'boolean' },
  },
  required: ['id', 'created', 'last_used', 'user_agent', 'ip', 'current'],
} as const

const code = { type: 'string', minLength: 1, maxLength: 64, pattern: noNul } as const
/** A login answers `{}` with the cookies, or `{mfa_required, methods}` for an account with a second factor. */
export const loginAnswer = { type: 'object', properties: { mfa_required: { type: 'boolean' }, methods: { type: 'array', items: { type: 'string' } } } } as const
export const totpSetupAnswer = { type: 'object', properties: { secret: { type: 'string' }, otpauth_url: { type: 'string' }, qr_svg: { type: 'string' } }, required: ['secret', 'otpauth_url', 'qr_svg'] } as const
export const codeBody = { type: 'object', required: ['code'], properties: { code } } as const
export const totpRemoveBody = { type: ['object', 'null'], properties: { code, password } } as const
export const secondFactorBody = { type: 'object', properties: { code, recovery_code: code, webauthn: { type: 'object' } } } as const
export const recoveryCodesAnswer = { type: 'object', properties: { recovery_codes: { type: 'array', items: { type: 'string' } } }, required: ['recovery_codes'] } as const

export const credentialBody = { type: 'object', required: ['credential'], properties: { credential: { type: 'object' }, name: { type: 'string', maxLength: 64, pattern: noNul } } } as const
export const usernameBody = { type: ['object', 'null'], properties: { username: { type: 'string', minLength: 1, maxLength: 150, pattern: noNul } } } as const
export const passkeySchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, created: { type: 'string', format: 'date-time' }, last_used: { type: ['string', 'null'], format: 'date-time' } },
  required: ['id', 'name', 'created'],
} as const

export const errorResponses = { 400: { type: 'object', additionalProperties: true }, 401: detailSchema, 403: detailSchema, 429: detailSchema, 503: detailSchema } as const
