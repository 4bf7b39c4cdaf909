import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createUser } from '../support/app.js'
import { countRequests, launchBrowser, openClientPage, SKIP_WITHOUT_CHROMIUM, startApp, type RunningApp } from './support.js'

const PASSWORD = 'correct horse battery'

interface Collected {
  method: string
  headers: IncomingHttpHeaders
}

/**
 * A third party's server that wants the victim's CSRF token: it allows credentialed CORS requests with any
 * header from any origin (so that nothing in the browser holds them back) and answers with SimpleJWT's
 * "token_not_valid" 401, which would make a careless client refresh and send everything again.
 */
async function startCollector(): Promise<{ origin: string; seen: Collected[]; close(): Promise<void> }> {
  const seen: Collected[] = []
  const server: Server = createServer((request, response) => {
    seen.push({ method: request.method ?? '', headers: request.headers })
    const cors = {
      'access-control-allow-origin': request.headers.origin ?? '*',
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '',
      'access-control-allow-methods': 'POST, GET',
    }
    request.resume()
    if (request.method === 'OPTIONS') return void response.writeHead(204, cors).end()
    response.writeHead(401, { ...cors, 'content-type': 'application/json' }).end('{"detail":"Given token not valid for any token type","code":"token_not_valid"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  // localhost on another port: the same site as the app, so without the defence its cookies would travel too.
  return {
    origin: `http://localhost:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

const asked = (request: Collected) => `${request.headers['access-control-request-headers'] ?? ''}`.toLowerCase()
const leaked = (request: Collected) => request.headers['x-csrftoken'] !== undefined || asked(request).includes('x-csrftoken') || /(?:access_token|refresh_token|csrftoken)=/.test(request.headers.cookie ?? '')

async function signedInPage(browser: Browser, app: RunningApp): Promise<{ context: BrowserContext; page: Page; refreshes: { readonly count: number }; close(): Promise<void> }> {
  const context = await browser.newContext()
  const refreshes = countRequests(context, '/accounts/auth/refresh_token/')
  const page = await openClientPage(context, app.origin)
  await page.evaluate((password) => window.tessera.login('alice', password), PASSWORD)
  return { context, page, refreshes, close: () => context.close() }
}

describe('tessera/client keeps the session to the API, in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let app: RunningApp
  let browser: Browser
  let collector: Awaited<ReturnType<typeof startCollector>>
  let aliceId: number

  before(async () => {
    ;[app, browser, collector] = await Promise.all([startApp(), launchBrowser(), startCollector()])
    aliceId = (await createUser(app.t, 'alice', PASSWORD)).id
  })
  after(async () => {
    await browser?.close()
    await collector?.close()
    await app?.close()
  })

  test("auth.fetch to another origin sends no CSRF token and no cookies, and the third party's 401 triggers no refresh", async () => {
    const { page, refreshes, close } = await signedInPage(browser, app)
    collector.seen.length = 0
    const status = await page.evaluate((url) => window.tessera.fetch(url, { method: 'POST', body: 'x' }).then((r) => r.status), `${collector.origin}/collect`)
    assert.equal(status, 401, "the caller gets the third party's answer as it is")
    assert.ok(collector.seen.length > 0, 'the request did reach the third party')
    assert.deepEqual(collector.seen.filter(leaked), [], 'no X-CSRFToken (nor a preflight asking for it), no session cookie')
    assert.equal(refreshes.count, 0)
    // The API's own routes still get everything.
    assert.equal(await page.evaluate(() => window.tessera.logoutAll({ keepCurrent: true })), 0)
    await close()
  })

  test('an origin on allowedOrigins is treated as the API', async () => {
    const { page, close } = await signedInPage(browser, app)
    collector.seen.length = 0
    await page.evaluate(async (origin) => {
      const { createClient } = (await import('/assets/client/index.js' as string)) as typeof import('../../src/client/index.js')
      await createClient({ baseUrl: '/accounts', allowedOrigins: [origin], channelName: 'allow-list' }).fetch(`${origin}/collect`, { method: 'POST', body: 'x' })
    }, collector.origin)
    const post = collector.seen.find((r) => r.method === 'POST')
    assert.ok(post?.headers['x-csrftoken'], 'the CSRF header went to the listed origin')
    assert.match(post?.headers.cookie ?? '', /access_token=/, 'and the cookies (credentials: include)')
    await close()
  })

  test("a malformed csrftoken cookie (%E0%A4%A, as a sibling subdomain can set) doesn't break unsafe calls or logout", async () => {
    const { context, page, close } = await signedInPage(browser, app)
    const [session] = await app.t.app.tessera.listSessions(aliceId)
    // Set for this page's path only, so document.cookie lists it first while the API's requests don't carry it.
    await context.addCookies([{ name: 'csrftoken', value: '%E0%A4%A', domain: 'localhost', path: '/healthz' }])
    assert.match(await page.evaluate(() => document.cookie), /^csrftoken=%E0%A4%A; /)
    assert.equal(await page.evaluate(() => window.tessera.fetch('/accounts/auth/logout_all/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"keep_current":true}' }).then((r) => r.status)), 200)
    assert.equal(await page.evaluate(() => window.tessera.logout().then(() => 'out', (e: Error) => `${e.name}: ${e.message}`)), 'out')
    assert.equal(await page.evaluate(() => window.tessera.state), 'signed-out')
    assert.equal((await app.t.app.tessera.listSessions(aliceId)).some((s) => s.id === session?.id), false, 'the session ended on the server')
    await close()
  })
})
