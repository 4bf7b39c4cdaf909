import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { LoginEvent, LogoutEvent, TesseraClient } from '../../src/client/index.js'
import { createTestApp, type TestApp } from '../support/app.js'

declare global {
  interface Window {
    /** Set by {@link openClientPage}. */
    tessera: TesseraClient
    events: Array<({ type: 'logout' } & LogoutEvent) | ({ type: 'login' } & LoginEvent)>
  }
}

export const CHROMIUM = '/usr/bin/chromium'
/** `describe(name, { skip: SKIP_WITHOUT_CHROMIUM }, ...)`: the browser tests need Debian's Chromium, never a download. */
export const SKIP_WITHOUT_CHROMIUM: string | false = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` to run the browser tests`

const ROOT = new URL('../../', import.meta.url).pathname
export const OUTPUT_DIR = join(ROOT, 'test-output/browser')
const CLIENT_SRC = join(ROOT, 'src/client')
export const CLIENT_DIST = join(ROOT, 'dist/src/client')

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

const newest = (dir: string): number => Math.max(0, ...readdirSync(dir).map((name) => statSync(join(dir, name)).mtimeMs))

/**
 * Compiles tessera/client into dist/src/client/ (where `npm run build` puts it and the server serves it from)
 * when it is missing or older than its source. Only the client, with no Node types: it takes a fraction of a
 * second and does not depend on the rest of the tree compiling.
 */
export function buildClient(): void {
  const stamp = join(CLIENT_DIST, 'index.js')
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest(CLIENT_SRC)) return
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'test/browser/tsconfig.client.json')], { stdio: 'inherit' })
}

export interface RunningApp {
  t: TestApp
  port: number
  /** `http://localhost:<port>`: the victim's origin in every test. */
  origin: string
  close(): Promise<void>
}

/** The real server on a real SQLite file, listening on 127.0.0.1 (opened by the browser as localhost). */
export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  buildClient()
  const t = await createTestApp(env)
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = t.app.server.address() as AddressInfo
  return { t, port, origin: `http://localhost:${port}`, close: () => t.close() }
}

export interface PageServer {
  port: number
  close(): Promise<void>
}

/**
 * A second, unrelated web server (the attacker's site, or a front end on another origin). It listens on every
 * loopback address, so one server is both `http://localhost:<port>` (same site as the app, another origin)
 * and `http://127.0.0.2:<port>` (another site). Serves the given pages by path, and the compiled client under
 * `/client/` for front ends that use it.
 */
export async function startPageServer(pages: Record<string, string>): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    const page = pages[path]
    const file = /^\/client\/([a-z0-9-]+\.js)$/.exec(path)?.[1]
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
    } else if (file && existsSync(join(CLIENT_DIST, file))) {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(readFileSync(join(CLIENT_DIST, file)))
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** Counts the requests of every tab of a context whose URL contains `part` (for example the refresh route). */
export function countRequests(context: BrowserContext, part: string): { readonly count: number } {
  let count = 0
  context.on('request', (request) => {
    if (request.url().includes(part)) count += 1
  })
  return {
    get count() {
      return count
    },
  }
}

/**
 * Opens a page of the app's origin that does nothing by itself, and loads tessera/client into it as
 * `window.tessera` (a client for `/accounts`, with login and logout events recorded in `window.events`).
 */
export async function openClientPage(context: BrowserContext, origin: string, accessLifetime?: number): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${origin}/healthz`)
  await page.evaluate(async (lifetime) => {
    const { createClient } = (await import('/assets/client/index.js' as string)) as typeof import('../../src/client/index.js')
    const client = createClient({ baseUrl: '/accounts', accessLifetime: lifetime })
    window.events = []
    client.onLogout((event) => window.events.push({ type: 'logout', ...event }))
    client.onLogin((event) => window.events.push({ type: 'login', ...event }))
    window.tessera = client
  }, accessLifetime)
  return page
}

export function screenshotPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true })
  return join(OUTPUT_DIR, name)
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
