import type { startAuthentication, startRegistration } from '@simplewebauthn/browser'
import { itemPath, type ClientRoutes, type MfaMethod, type Passkey, type SecondFactorProof, type TotpSetup } from './types.js'

/**
 * `@simplewebauthn/browser`, loaded when a passkey helper is first called: a page that never uses passkeys,
 * or loads the client as a plain module without an import map, never resolves the name.
 */
const webauthn = () => import('@simplewebauthn/browser')

/** What the second-factor helpers need from the client. */
export interface FactorDeps {
  /** Calls a route with the session (`true`) or without; throws a TesseraClientError for an error status. */
  call(path: string, init: RequestInit, withSession?: boolean): Promise<{ status: number; body: unknown }>
  post(body?: unknown): RequestInit
  /** The CSRF secret rotated and a session began: what a completed login tells the client. */
  loggedIn(): void
  routes: ClientRoutes
}

/** TOTP and the login's second step. */
export interface MfaHelpers {
  /** Starts TOTP enrolment (the password is needed): the secret, its `otpauth://` URL and a QR code (SVG markup). */
  setupTotp(password: string): Promise<TotpSetup>
  /** Activates TOTP with a code from the app; resolves to the 10 recovery codes, shown this once. */
  activateTotp(code: string): Promise<string[]>
  /**
   * Completes a login that answered `mfaRequired`: a TOTP code, a recovery code, or `{webauthn: true}` to ask
   * the browser for a passkey of that account.
   */
  verify(proof: SecondFactorProof): Promise<void>
  /** Removes TOTP (and the recovery codes) with a current code or the password. */
  disable(proof: { code: string } | { password: string }): Promise<void>
}

/** Passkeys (WebAuthn, through @simplewebauthn/browser). */
export interface PasskeyHelpers {
  /** Creates a passkey on this device and registers it; `password` when the last login is older than the server's REAUTH_WINDOW. */
  register(options?: { name?: string; password?: string }): Promise<Passkey>
  list(): Promise<Passkey[]>
  remove(id: string, options?: { password?: string }): Promise<void>
  /** A passwordless login with a passkey: any of this site (discoverable), or one of `username`'s. */
  login(username?: string): Promise<void>
}

export const METHODS: readonly MfaMethod[] = ['totp', 'recovery_code', 'webauthn']

export function createFactors({ call, post, loggedIn, routes }: FactorDeps): { mfa: MfaHelpers; passkeys: PasskeyHelpers } {
  // A JSON object from the server, typed as the caller expects it (the contract's shapes).
  const json = async <T>(path: string, init: RequestInit, withSession = true) => (await call(path, init, withSession)).body as T
  const assertion = async (username?: string) => {
    const optionsJSON = await json<Parameters<typeof startAuthentication>[0]['optionsJSON']>(routes.webauthnLoginOptions, post(username === undefined ? {} : { username }), false)
    return (await webauthn()).startAuthentication({ optionsJSON })
  }
  return {
    mfa: {
      setupTotp: (password) => json<TotpSetup>(routes.mfaTotp, post({ password })),
      activateTotp: async (code) => (await json<{ recovery_codes: string[] }>(routes.mfaTotpActivate, post({ code }))).recovery_codes,
      async verify(proof) {
        const body = 'webauthn' in proof ? { webauthn: await assertion() } : proof
        await call(routes.mfaVerify, post(body), false)
        loggedIn()
      },
      async disable(proof) {
        await call(routes.mfaTotp, { ...post(proof), method: 'DELETE' })
      },
    },
    passkeys: {
      async register({ name, password } = {}) {
        const optionsJSON = await json<Parameters<typeof startRegistration>[0]['optionsJSON']>(routes.webauthnRegisterOptions, post(password === undefined ? {} : { password }))
        const credential = await (await webauthn()).startRegistration({ optionsJSON })
        return json<Passkey>(routes.webauthnRegister, post({ credential, ...(name && { name }) }))
      },
      list: async () => json<Passkey[]>(routes.webauthnCredentials, { headers: { accept: 'application/json' } }),
      async remove(id, { password } = {}) {
        await call(itemPath(routes.webauthnCredentials, id), { ...post(password === undefined ? {} : { password }), method: 'DELETE' })
      },
      async login(username) {
        await call(routes.webauthnLogin, post({ credential: await assertion(username) }), false)
        loggedIn()
      },
    },
  }
}
