/**
 * The table of Tessera's routes: one name per route, its path under the prefix in each profile, and the
 * methods it answers. The HTTP layer, the OpenAPI document, the refresh cookie's path, the browser
 * client and the demo page all read the resolved table: no profile is a copy of the routing code.
 */

export const ROUTE_PROFILES = ['seed', 'simplejwt', 'dj-rest-auth'] as const
export type RouteProfile = (typeof ROUTE_PROFILES)[number]

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** Paths under the prefix, without a leading slash, as the contract writes them. */
const SEED = {
  login: 'auth/login/',
  refresh: 'auth/refresh_token/',
  logout: 'auth/logout/',
  logoutAll: 'auth/logout_all/',
  verify: 'auth/verify/',
  user: 'user/',
  sessions: 'sessions/',
  csrfToken: 'csrf_token/',
  register: 'auth/register/',
  passwordChange: 'auth/password/change/',
  passwordReset: 'auth/password/reset/',
  passwordResetConfirm: 'auth/password/reset/confirm/',
  verifyEmail: 'auth/registration/verify-email/',
  resendEmail: 'auth/registration/resend-email/',
  mfaTotp: 'auth/mfa/totp/',
  mfaTotpActivate: 'auth/mfa/totp/activate/',
  mfaVerify: 'auth/mfa/verify/',
  webauthnRegisterOptions: 'auth/webauthn/register/options/',
  webauthnRegister: 'auth/webauthn/register/',
  webauthnCredentials: 'auth/webauthn/credentials/',
  webauthnLoginOptions: 'auth/webauthn/login/options/',
  webauthnLogin: 'auth/webauthn/login/',
}

export type RouteName = keyof typeof SEED
export const ROUTE_NAMES = Object.keys(SEED) as RouteName[]

const PROFILES: Record<RouteProfile, Record<RouteName, string>> = {
  seed: SEED,
  // SimpleJWT's documented urls.py.
  simplejwt: { ...SEED, login: 'token/', refresh: 'token/refresh/', logout: 'token/blacklist/', verify: 'token/verify/' },
  // dj-rest-auth's urls.py and registration/urls.py, with SimpleJWT's refresh and verify views.
  'dj-rest-auth': {
    ...SEED,
    login: 'login/',
    refresh: 'token/refresh/',
    logout: 'logout/',
    verify: 'token/verify/',
    register: 'registration/',
    passwordChange: 'password/change/',
    passwordReset: 'password/reset/',
    passwordResetConfirm: 'password/reset/confirm/',
    verifyEmail: 'registration/verify-email/',
    resendEmail: 'registration/resend-email/',
  },
}

const ACTION: readonly RouteMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE']
/** Each route's methods, and those a setting may choose from; `fixed` routes have one handler per method. */
const METHODS: Record<RouteName, { methods: RouteMethod[]; allowed?: readonly RouteMethod[]; fixed?: true }> = {
  login: { methods: ['POST'] },
  refresh: { methods: ['POST'] },
  // GET only by choice (LOGOUT_ON_GET, as django-allauth's ACCOUNT_LOGOUT_ON_GET): a link can log anyone out.
  logout: { methods: ['POST'], allowed: [...ACTION, 'GET'] },
  logoutAll: { methods: ['POST'] },
  verify: { methods: ['POST'] },
  user: { methods: ['GET', 'PUT', 'PATCH', 'DELETE'], fixed: true },
  sessions: { methods: ['GET'], fixed: true },
  csrfToken: { methods: ['GET'], allowed: ['GET'] },
  register: { methods: ['POST'] },
  passwordChange: { methods: ['POST'] },
  passwordReset: { methods: ['POST'] },
  passwordResetConfirm: { methods: ['POST'] },
  verifyEmail: { methods: ['POST'] },
  resendEmail: { methods: ['POST'] },
  mfaTotp: { methods: ['POST', 'DELETE'], fixed: true },
  mfaTotpActivate: { methods: ['POST'] },
  mfaVerify: { methods: ['POST'] },
  webauthnRegisterOptions: { methods: ['POST'] },
  webauthnRegister: { methods: ['POST'] },
  // `<path><id>/` answers DELETE: derived from this path.
  webauthnCredentials: { methods: ['GET'], fixed: true },
  webauthnLoginOptions: { methods: ['POST'] },
  webauthnLogin: { methods: ['POST'] },
}

export interface RouteSpec {
  /** Under the prefix, with a leading slash: `/auth/login/`. */
  path: string
  methods: readonly RouteMethod[]
}
export type RouteTable = Readonly<Record<RouteName, RouteSpec>>

export interface RouteOptions {
  /** `ROUTE_PROFILE`: which layout of paths (default `seed`, the contract's part 1). */
  profile?: RouteProfile
  /** `ROUTE_<NAME>`: one route's path under the prefix, overriding the profile's. */
  paths?: Partial<Record<RouteName, string>>
  /** `ROUTE_<NAME>_METHODS`: the methods one route answers (e.g. logout: POST, DELETE). */
  methods?: Partial<Record<RouteName, string[]>>
  /** `LOGOUT_ON_GET`: logout answers GET too (off: a GET link could log anyone out). */
  logoutOnGet?: boolean
}

/** `csrfToken` → `CSRF_TOKEN`, for the environment variables. */
export const routeVariable = (name: RouteName): string => `ROUTE_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`

const SEGMENTS = /^(?:[A-Za-z0-9._~-]+\/)*[A-Za-z0-9._~-]+\/?$/
/** Paths the server itself takes under the prefix. */
const TAKEN = ['openapi.json']

/**
 * Resolves the profile and the overrides into the table; `name` names an option in messages, `fail`
 * throws. Paths must be plain segments (no parameters, no `..`), unique, and not taken by the server.
 */
export function resolveRoutes(options: RouteOptions, name: (path: string) => string, fail: (message: string) => never, profile: RouteProfile): RouteTable {
  const table = {} as Record<RouteName, RouteSpec>
  const owner = new Map<string, RouteName>()
  for (const route of ROUTE_NAMES) {
    const given = options.paths?.[route]
    let path = PROFILES[profile][route]
    if (given !== undefined) {
      path = typeof given === 'string' ? given.trim().replace(/^\/+/, '') : ''
      if (!SEGMENTS.test(path) || path.split('/').some((s) => s === '.' || s === '..') || TAKEN.includes(path.replace(/\/$/, ''))) {
        fail(`${name(`routes.paths.${route}`)} must be a path under the prefix such as 'token/' (got '${String(given)}')`)
      }
    }
    const other = owner.get(path)
    if (other) fail(`${name(`routes.paths.${route}`)} and ${name(`routes.paths.${other}`)} are the same path '${path}'`)
    owner.set(path, route)
    table[route] = { path: `/${path}`, methods: routeMethods(route, options, name, fail) }
  }
  return table
}

function routeMethods(route: RouteName, options: RouteOptions, name: (path: string) => string, fail: (message: string) => never): RouteMethod[] {
  const spec = METHODS[route]
  const given = options.methods?.[route]
  let methods = spec.methods
  if (given !== undefined) {
    const label = name(`routes.methods.${route}`)
    if (spec.fixed) fail(`${label}: the ${route} route answers ${spec.methods.join(', ')}, one handler each; its methods cannot be chosen`)
    const allowed = spec.allowed ?? ACTION
    const chosen = Array.isArray(given) ? given.map((m) => String(m).toUpperCase()) : []
    if (chosen.length === 0 || !chosen.every((m) => (allowed as string[]).includes(m))) fail(`${label} must list methods from ${allowed.join(', ')} (got '${String(given)}')`)
    methods = [...new Set(chosen)] as RouteMethod[]
  }
  if (route === 'logout' && options.logoutOnGet === true && !methods.includes('GET')) methods = [...methods, 'GET']
  return methods
}

/**
 * The deepest cookie path that covers every one of `names`' routes: the refresh cookie's default is the
 * path over refresh and logout, the only two that read it (`<prefix>/auth/` in `seed`, the prefix
 * itself in `dj-rest-auth`).
 */
export function coveringPath(prefix: string, routes: RouteTable, names: readonly RouteName[]): string {
  const paths = names.map((n) => routes[n].path)
  const split = paths.map((p) => p.split('/').filter(Boolean))
  let shared = 0
  while (split.every((s) => shared < s.length && s[shared] === split[0]?.[shared])) shared++
  const base = `${prefix}/${split[0]?.slice(0, shared).join('/') ?? ''}`.replace(/\/$/, '')
  // `/accounts/token/` when every route lies below it; `/accounts/token` when one of them is that path itself.
  return paths.every((p) => `${prefix}${p}`.startsWith(`${base}/`)) ? `${base}/` : base
}
