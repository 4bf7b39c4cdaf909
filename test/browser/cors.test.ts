import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createUser } from '../support/app.js'
import { countRequests, launchBrowser, SKIP_WITHOUT_CHROMIUM, startApp, startPageServer, type PageServer, type RunningApp } from './support.js'

const PASSWORD = 'correct horse battery'
const FRONT_END = '<!doctype html><title>Another front end</title><p>A single-page app served from its own origin.</p>'

/** Opens the front end and gives it a tessera client for the API on the app's origin, as `window.tessera`. */
async function openFrontEnd(context: BrowserContext, url: string, api: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(url)
  await page.evaluate(async (baseUrl) => {
    const { createClient } = (await import('/client/index.js' as string)) as typeof import('../../src/client/index.js')
    window.tessera = createClient({ baseUrl })
    window.events = []
  }, api)
  return page
}

describe('a front end on another origin, in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let app: RunningApp
  let browser: Browser
  let listed: PageServer
  let unlisted: PageServer
  let aliceId: number

  before(async () => {
    ;[listed, unlisted, browser] = await Promise.all([startPageServer({ '/': FRONT_END }), startPageServer({ '/': FRONT_END }), launchBrowser()])
    const frontEnd = `http://localhost:${listed.port}`
    app = await startApp({ CORS_ALLOWED_ORIGINS: frontEnd, CSRF_TRUSTED_ORIGINS: frontEnd })
    aliceId = (await createUser(app.t, 'alice', PASSWORD)).id
  })
  after(async () => {
    await browser?.close()
    await Promise.all([listed?.close(), unlisted?.close()])
    await app?.close()
  })

  test('on the CORS allow-list: signs in, reads the user and sessions, refreshes and logs out, with credentials', async () => {
    const context = await browser.newContext()
    const tokenRequests = countRequests(context, '/accounts/csrf_token/')
    const page = await openFrontEnd(context, `http://localhost:${listed.port}/`, `${app.origin}/accounts`)
    await page.evaluate((password) => window.tessera.login('alice', password), PASSWORD)
    assert.equal((await page.evaluate(() => window.tessera.me()))?.username, 'alice')
    assert.equal((await page.evaluate(() => window.tessera.sessions())).filter((s) => s.current).length, 1)
    assert.equal(await page.evaluate(() => window.tessera.refresh()), true)
    // An unsafe call: the CSRF token comes from the token endpoint (the API's cookie belongs to another origin).
    assert.equal(await page.evaluate(() => window.tessera.logoutAll({ keepCurrent: true })), 0)
    assert.equal(tokenRequests.count, 1)

    // A login in another tab rotates the CSRF secret: the first tab's token is stale, so its next unsafe call
    // gets a 403, fetches a new token and succeeds on the retry.
    const other = await openFrontEnd(context, `http://localhost:${listed.port}/`, `${app.origin}/accounts`)
    await other.evaluate((password) => window.tessera.login('alice', password), PASSWORD)
    await page.evaluate(() => window.tessera.logout())
    assert.equal(tokenRequests.count, 2)
    assert.equal(await page.evaluate(() => window.tessera.state), 'signed-out')
    assert.equal(await page.evaluate(() => window.tessera.me()), null)
    await context.close()
  })

  test("a front end that sends X-Requested-With (jQuery's, axios set-ups of Django apps) passes the preflight", async () => {
    const context = await browser.newContext()
    const page = await openFrontEnd(context, `http://localhost:${listed.port}/`, `${app.origin}/accounts`)
    const status = await page.evaluate(async (url) => {
      const response = await fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' }, body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }) })
      return response.status
    }, `${app.origin}/accounts/auth/login/`)
    assert.equal(status, 200)
    await context.close()
  })

  test('not on the allow-list: the same front end can neither sign in nor read the user', async () => {
    const context = await browser.newContext()
    const sessions = (await app.t.app.tessera.listSessions(aliceId)).length
    const page = await openFrontEnd(context, `http://localhost:${unlisted.port}/`, `${app.origin}/accounts`)
    const login = await page.evaluate((password) => window.tessera.login('alice', password).then(() => 'signed in', (e: Error) => e.message), PASSWORD)
    assert.match(login, /Failed to fetch/)
    assert.equal((await app.t.app.tessera.listSessions(aliceId)).length, sessions, 'the login was refused (Origin check), not only hidden by CORS')
    assert.match(await page.evaluate(() => window.tessera.me().then(() => 'read', (e: Error) => e.message)), /Failed to fetch/)
    await context.close()
  })
})
