import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createUser } from '../support/app.js'
import { countRequests, launchBrowser, openClientPage, SKIP_WITHOUT_CHROMIUM, sleep, startApp, type RunningApp } from './support.js'

const PASSWORD = 'correct horse battery'
const LIFETIME = 2
/** Past the access token's 2 seconds, and past the browser's removal of its cookie (same Max-Age). */
const PAST_EXPIRY_MS = LIFETIME * 1000 + 300

/**
 * Arms every tab to fire `perTab` parallel `GET /accounts/user/` through the client when a BroadcastChannel says
 * go, says go, and returns their statuses. A channel message reaches every tab at once, even background tabs
 * whose timers the browser slows down.
 */
async function burst(pages: Page[], perTab: number): Promise<number[]> {
  await Promise.all(pages.map((page) => page.evaluate((n) => {
    const w = window as unknown as { burst: Promise<number[]> }
    w.burst = new Promise((resolve) => {
      const go = new BroadcastChannel('test-go')
      go.onmessage = async () => {
        const responses = await Promise.all(Array.from({ length: n }, () => window.tessera.fetch('/accounts/user/')))
        resolve(responses.map((r) => r.status))
      }
    })
  }, perTab)))
  await pages[0]!.evaluate(() => new BroadcastChannel('test-go').postMessage('go'))
  const statuses = await Promise.all(pages.map((page) => page.evaluate(() => (window as unknown as { burst: Promise<number[]> }).burst)))
  return statuses.flat()
}

describe('silent refresh in Chromium, with a 2-second access token', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let app: RunningApp
  let browser: Browser
  let aliceId: number
  before(async () => {
    ;[app, browser] = await Promise.all([startApp({ ACCESS_TOKEN_LIFETIME: `${LIFETIME}s` }), launchBrowser()])
    aliceId = (await createUser(app.t, 'alice', PASSWORD)).id
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  test('a call after expiry refreshes silently and succeeds: with the cookie gone, and with an expired token still sent', async () => {
    const context = await browser.newContext()
    const refreshes = countRequests(context, '/accounts/auth/refresh_token/')
    const page = await openClientPage(context, app.origin, LIFETIME)
    await page.evaluate((password) => window.tessera.login('alice', password), PASSWORD)
    const expiresAt = await page.evaluate(() => window.tessera.accessExpiresAt())
    assert.ok(expiresAt !== null && Math.abs(expiresAt - (Date.now() + LIFETIME * 1000)) < 1000, 'the client estimates the expiry from the lifetime')
    const stale = (await context.cookies()).find((c) => c.name === 'access_token')!

    await sleep(PAST_EXPIRY_MS)
    // Chromium dropped the cookie (Max-Age = lifetime): the server sees no credentials at all.
    assert.equal((await context.cookies()).some((c) => c.name === 'access_token'), false)
    assert.equal((await page.evaluate(() => window.tessera.me()))?.username, 'alice')
    assert.equal(refreshes.count, 1)
    assert.ok((await page.evaluate(() => window.tessera.accessExpiresAt()))! > expiresAt!, 'the expiry estimate moved on')

    // A browser whose clock lags still sends the expired token: the server says "Token is expired" (token_not_valid).
    await context.addCookies([{ name: 'access_token', value: stale.value, domain: stale.domain, path: '/', httpOnly: true, sameSite: 'Lax' }])
    const direct = await page.evaluate(async () => (await fetch('/accounts/user/')).json())
    assert.equal(direct.code, 'token_not_valid')
    assert.equal(direct.messages[0].message, 'Token is expired')
    await context.addCookies([{ name: 'access_token', value: stale.value, domain: stale.domain, path: '/', httpOnly: true, sameSite: 'Lax' }])
    assert.equal((await page.evaluate(() => window.tessera.me()))?.username, 'alice')
    assert.equal(refreshes.count, 2)
    assert.deepEqual(await page.evaluate(() => window.events.map((e) => e.type)), ['login'])
    await context.close()
  })

  async function threeTabsOneRefresh(context: BrowserContext) {
    const refreshes = countRequests(context, '/accounts/auth/refresh_token/')
    const pages = [await openClientPage(context, app.origin, LIFETIME), await openClientPage(context, app.origin, LIFETIME), await openClientPage(context, app.origin, LIFETIME)]
    await pages[0]!.evaluate((password) => window.tessera.login('alice', password), PASSWORD)
    const before = (await pages[0]!.evaluate(() => window.tessera.sessions())).find((s) => s.current)
    await sleep(PAST_EXPIRY_MS)

    const statuses = await burst(pages, 10)
    assert.deepEqual(statuses, Array(30).fill(200))
    assert.equal(refreshes.count, 1, 'thirty expired calls in three tabs share one refresh')

    // No reuse was detected: the session is alive and the same, in every tab.
    for (const page of pages) assert.equal((await page.evaluate(() => window.tessera.me()))?.username, 'alice')
    const sessions = await pages[2]!.evaluate(() => window.tessera.sessions())
    assert.equal(sessions.find((s) => s.current)?.id, before!.id)
    assert.equal((await app.t.app.tessera.listSessions(aliceId)).filter((s) => s.id === before!.id).length, 1)
    for (const page of pages) assert.deepEqual(await page.evaluate(() => window.events.filter((e) => e.type === 'logout')), [])
    await context.close()
  }

  test('ten parallel calls in each of three tabs after expiry cause one refresh (Web Locks), and no reuse is detected', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${app.origin}/healthz`)
    assert.equal(await page.evaluate(() => typeof navigator.locks?.request), 'function')
    await page.close()
    await threeTabsOneRefresh(context)
  })

  test('without Web Locks, the BroadcastChannel fallback still makes three tabs refresh once', async () => {
    const context = await browser.newContext()
    // A string, not a function: tsx would wrap the getter in its `__name` helper, which the page lacks.
    await context.addInitScript({ content: "Object.defineProperty(Navigator.prototype, 'locks', { get() { return undefined }, configurable: true })" })
    const page = await context.newPage()
    await page.goto(`${app.origin}/healthz`)
    assert.equal(await page.evaluate(() => navigator.locks), undefined)
    await page.close()
    await threeTabsOneRefresh(context)
  })

  test('a session revoked elsewhere: the refresh fails, every tab hears onLogout once, and a visitor hears nothing', async () => {
    const context = await browser.newContext()
    const refreshes = countRequests(context, '/accounts/auth/refresh_token/')
    const [first, second] = [await openClientPage(context, app.origin, LIFETIME), await openClientPage(context, app.origin, LIFETIME)]
    await first.evaluate((password) => window.tessera.login('alice', password), PASSWORD)
    assert.equal((await second.evaluate(() => window.tessera.me()))?.username, 'alice')

    await app.t.app.tessera.revokeUserSessions(aliceId, { reason: 'admin' })
    assert.equal(await first.evaluate(() => window.tessera.me()), null)
    assert.equal(refreshes.count, 1)
    assert.deepEqual(await first.evaluate(() => window.events), [{ type: 'login', fromOtherTab: false }, { type: 'logout', reason: 'refresh_failed', fromOtherTab: false }])
    await second.waitForFunction(() => window.events.length === 2)
    assert.deepEqual(await second.evaluate(() => window.events), [{ type: 'login', fromOtherTab: true }, { type: 'logout', reason: 'refresh_failed', fromOtherTab: true }])
    assert.equal(await second.evaluate(() => window.tessera.state), 'signed-out')
    await context.close()

    const visitor = await browser.newContext()
    const page = await openClientPage(visitor, app.origin, LIFETIME)
    assert.equal(await page.evaluate(() => window.tessera.me()), null)
    assert.deepEqual(await page.evaluate(() => window.events), [])
    await visitor.close()
  })
})
