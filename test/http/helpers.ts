/** Small helpers shared by the HTTP contract tests (test/http/*). */
import type { LightMyRequestResponse } from 'fastify'
import { parseSetCookies, type TestApp } from '../support/app.js'

export const CSRF_TOKEN = '/accounts/csrf_token/'
export const LOGIN = '/accounts/auth/login/'
export const REFRESH = '/accounts/auth/refresh_token/'
export const LOGOUT = '/accounts/auth/logout/'
export const USER = '/accounts/user/'

export const PASSWORD = 'correct horse battery'

/** The cookies a response sets, by name. */
export const cookiesOf = (response: LightMyRequestResponse) => parseSetCookies(response.headers['set-cookie'])

/** The raw `Set-Cookie` line for `name`, or undefined. */
export function setCookieLine(response: LightMyRequestResponse, name: string): string | undefined {
  return ([response.headers['set-cookie'] ?? []].flat() as string[]).find((line) => line.startsWith(`${name}=`))
}

/** A JWT's header and payload, unverified. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')))
  return { header, payload }
}

/** Logs in through the route and returns the three cookie values. */
export async function loginCookies(t: TestApp, username = 'alice', password = PASSWORD) {
  const response = await t.app.inject({ method: 'POST', url: LOGIN, payload: { username, password } })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
  const cookies = cookiesOf(response)
  return { access: cookies.access_token!.value, refresh: cookies.refresh_token!.value, csrf: cookies.csrftoken!.value }
}

/** A `cookie` header from name → value pairs (undefined values left out). */
export const cookieHeader = (pairs: Record<string, string | undefined>): string =>
  Object.entries(pairs).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join('; ')
