import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config, CookieSettings } from '../config/index.js'
import { deleteCookie, setCookie, type CookieInstruction } from '../cookies/index.js'
import type { IssuedToken } from '../tokens/index.js'
import { isSecureRequest } from './request.js'

function apply(reply: FastifyReply, cookie: CookieInstruction): void {
  reply.setCookie(cookie.name, cookie.value, cookie.options)
}

/** Sets the access cookie (and the refresh cookie when one is given). The plugin marks every response under the prefix `no-store`. */
export function setTokenCookies(config: Config, request: FastifyRequest, reply: FastifyReply, access: IssuedToken, refresh?: IssuedToken): void {
  const secure = isSecureRequest(request)
  apply(reply, setCookie(config.cookies.access, access.token, secure))
  if (refresh) apply(reply, setCookie(config.cookies.refresh, refresh.token, secure))
}

export function deleteTokenCookies(config: Config, request: FastifyRequest, reply: FastifyReply): void {
  const secure = isSecureRequest(request)
  apply(reply, deleteCookie(config.cookies.access, secure))
  apply(reply, deleteCookie(config.cookies.refresh, secure))
}

/** Sets one of the login steps' HttpOnly cookies (`mfa_pending`, `webauthn_challenge`) to `value`, or deletes it (null). */
export function setStepCookie(request: FastifyRequest, reply: FastifyReply, cookie: CookieSettings, value: string | null): void {
  const secure = isSecureRequest(request)
  apply(reply, value === null ? deleteCookie(cookie, secure) : setCookie(cookie, value, secure))
}

/** Writes the CSRF cookie with `secret` (Django 4.1+: the cookie holds the unmasked secret). */
export function setCsrfCookie(config: Config, request: FastifyRequest, reply: FastifyReply, secret: string): void {
  apply(reply, setCookie(config.cookies.csrf, secret, isSecureRequest(request)))
  addVary(reply, 'Cookie')
}

/** Adds to `Vary` instead of replacing it (CORS has already put `Origin` there). */
function addVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary')
  const fields = (Array.isArray(current) ? current.join(',') : String(current ?? '')).split(',').map((f) => f.trim()).filter(Boolean)
  if (!fields.some((f) => f.toLowerCase() === field.toLowerCase() || f === '*')) fields.push(field)
  reply.header('vary', fields.join(', '))
}

