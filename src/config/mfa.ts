import type { CookieSettings, MfaSettings } from './config.js'
import type { Mode, SameSite, TesseraOptions } from './options.js'
import { coveringPath, type RouteTable } from './routes.js'

/** The validators of resolveOptions, each naming its option in messages. */
export interface Readers {
  text(path: string, value: unknown, fallback: string): string
  optional(path: string, value: unknown): string | undefined
  list(path: string, value: unknown): string[]
  int(path: string, value: unknown, fallback: number, min?: number, max?: number): number
  seconds(path: string, value: unknown, fallback: number): number
  name(path: string): string
  fail(message: string): never
}

interface Context {
  mode: Mode
  prefix: string
  routes: RouteTable
  siteName: string
  cookie: Pick<CookieSettings, 'domain' | 'secure' | 'sameSite'> & { sameSite: SameSite }
}

const RP_ID = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/
const isLocal = (host: string) => host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]'

/**
 * Second factors and passkeys. WebAuthn's rules are checked here, at start, not at the first ceremony:
 * the relying party ID is a bare domain, every origin is that domain or below it, and outside development
 * an origin is https (browsers refuse WebAuthn elsewhere, localhost aside).
 */
export function resolveMfa(m: NonNullable<TesseraOptions['mfa']>, r: Readers, c: Context): MfaSettings {
  const pendingLifetime = r.seconds('mfa.pendingLifetime', m.pendingLifetime, 300)
  const challengeLifetime = r.seconds('mfa.webauthnChallengeLifetime', m.webauthnChallengeLifetime, 300)
  const origins = r.list('mfa.webauthnOrigin', m.webauthnOrigin === undefined ? undefined : [m.webauthnOrigin].flat()).map((o) => o.replace(/\/+$/, ''))
  for (const origin of origins) {
    if (!/^https?:\/\/[^/?#\s]+$/i.test(origin)) r.fail(`${r.name('mfa.webauthnOrigin')} entry '${origin}' must be a scheme and host such as https://app.example.com`)
    if (c.mode === 'production' && origin.startsWith('http:') && !isLocal(new URL(origin).hostname)) r.fail(`${r.name('mfa.webauthnOrigin')} entry '${origin}' must be https in production: browsers allow WebAuthn only in secure contexts`)
  }
  const rpId = (r.optional('mfa.webauthnRpId', m.webauthnRpId) ?? (origins[0] ? new URL(origins[0]).hostname : undefined))?.toLowerCase()
  if (rpId !== undefined && !RP_ID.test(rpId) && rpId !== 'localhost') r.fail(`${r.name('mfa.webauthnRpId')} must be a domain without scheme or port, such as example.com (got '${rpId}')`)
  for (const origin of origins) {
    const host = new URL(origin).hostname
    if (rpId !== undefined && host !== rpId && !host.endsWith(`.${rpId}`)) r.fail(`${r.name('mfa.webauthnOrigin')} entry '${origin}' is not ${rpId} or a subdomain of it (${r.name('mfa.webauthnRpId')})`)
  }
  const cookie = (name: string, names: Parameters<typeof coveringPath>[2], maxAge: number): CookieSettings => ({ name, path: coveringPath(c.prefix, c.routes, names), ...c.cookie, httpOnly: true, maxAge: Math.ceil(maxAge) })
  return {
    issuer: r.text('mfa.issuer', m.issuer, c.siteName),
    pendingLifetime,
    pendingMaxAttempts: r.int('mfa.pendingMaxAttempts', m.pendingMaxAttempts, 5, 1, 1000),
    cookie: cookie('mfa_pending', ['login', 'mfaVerify', 'webauthnLoginOptions', 'webauthnLogin'], pendingLifetime),
    webauthn: {
      rpId,
      origins,
      rpName: r.text('mfa.webauthnRpName', m.webauthnRpName, c.siteName),
      challengeLifetime,
      maxCredentials: r.int('mfa.webauthnMaxCredentials', m.webauthnMaxCredentials, 20, 1, 1000),
      cookie: cookie('webauthn_challenge', ['webauthnRegisterOptions', 'webauthnRegister', 'webauthnLoginOptions', 'webauthnLogin', 'mfaVerify'], challengeLifetime),
    },
  }
}
