import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Config } from '../config/index.js'
import { hasDevMailbox } from './mailbox.js'

const firstDir = (candidates: string[], marker: string): string | undefined =>
  candidates.map((u) => fileURLToPath(new URL(u, import.meta.url))).find((dir) => existsSync(join(dir, marker)))

/** `web/` at the package root, whether this runs from `src/` (tests) or from `dist/src/` (built). */
const WEB_ROOT = firstDir(['../../web/', '../../../web/'], 'index.html') ?? 'web/'
/**
 * The compiled `tessera/client` (plain ES modules): next to this file when built, in `dist/` when this runs
 * from `src/` (the build, or the browser tests, compile it there). Looked up until found, not once at import:
 * a test may compile it after loading the server.
 */
let clientRoot: string | undefined
const findClientRoot = () => (clientRoot ??= firstDir(['../client/', '../../dist/src/client/'], 'index.js'))

/**
 * The demo page's policy: scripts and styles only from files of this origin (no inline code at all, so an
 * injected `<script>` or `onclick=` does nothing), API calls only to this origin, no framing, no plugins,
 * forms post only here.
 */
export const DEMO_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' }
/** Plain file names only: no dots but the extension's, no slashes, so no path can leave the folder. */
const ASSET_NAME = /^[a-z0-9-]+\.(js|css|svg)$/

/**
 * `@simplewebauthn/browser`'s ES modules, which the compiled client imports by package name: a page without
 * a bundler cannot resolve that name, so the served client names this path instead (CSP: same origin).
 */
const WEBAUTHN_BROWSER = dirname(fileURLToPath(import.meta.resolve('@simplewebauthn/browser')))
const WEBAUTHN_BROWSER_URL = '/assets/vendor/simplewebauthn-browser/'
const VENDOR_FILE = /^(?:[a-z]+\/)?[A-Za-z0-9]+\.js$/
const mapVendor = (code: string) => code.replaceAll("'@simplewebauthn/browser'", `'${WEBAUTHN_BROWSER_URL}index.js'`)

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

async function sendFile(reply: FastifyReply, dir: string | undefined, name: string, pattern = ASSET_NAME, transform?: (code: string) => string) {
  const match = pattern.exec(name)
  const path = dir && match ? join(dir, name) : undefined
  if (!path || !existsSync(path)) return reply.code(404).send({ detail: 'Not found.' })
  const body = transform ? transform(await readFile(path, 'utf8')) : await readFile(path)
  return reply.type(TYPES[name.slice(name.lastIndexOf('.') + 1)]!).header('cache-control', 'no-cache').send(body)
}

/**
 * The demo front end at `/`: `web/index.html` with the server's settings (and its route table) in `<meta>` tags (data, not code, so
 * the CSP needs no inline script), `web/*` under `/assets/`, and the compiled client under `/assets/client/`.
 */
export async function webRoutes(app: FastifyInstance, { config }: { config: Config }) {
  // The route table (name → path under the prefix), for the page's client: the demo follows ROUTE_PROFILE.
  const routesJson = JSON.stringify(Object.fromEntries(Object.entries(config.routes).map(([name, spec]) => [name, spec.path])))
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const html = (await readFile(join(WEB_ROOT, 'index.html'), 'utf8'))
      .replaceAll('{{API_PREFIX}}', escapeAttribute(config.prefix))
      .replaceAll('{{ACCESS_TOKEN_LIFETIME}}', String(config.tokens.accessLifetime))
      .replaceAll('{{ROUTES}}', escapeAttribute(routesJson))
      .replaceAll('{{CSRF_TOKEN_RESPONSE_KEY}}', escapeAttribute(config.csrf.tokenResponseKey))
      .replaceAll('{{DEV_MAILBOX_LINK}}', hasDevMailbox(config) ? ' · <a href="/dev/mailbox">Development mailbox</a>' : '')
    return reply.type('text/html; charset=utf-8').header('content-security-policy', DEMO_CSP).header('cache-control', 'no-cache').send(html)
  })
  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (request, reply) => sendFile(reply, WEB_ROOT, request.params.file))
  app.get<{ Params: { file: string } }>('/assets/client/:file', { schema: { hide: true } }, async (request, reply) => sendFile(reply, findClientRoot(), request.params.file, ASSET_NAME, mapVendor))
  app.get<{ Params: { '*': string } }>(`${WEBAUTHN_BROWSER_URL}*`, { schema: { hide: true } }, async (request, reply) => sendFile(reply, WEBAUTHN_BROWSER, request.params['*'], VENDOR_FILE))
}
