import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { createUser } from '../support/app.js'
import { launchBrowser, screenshotPath, SKIP_WITHOUT_CHROMIUM, startApp, type RunningApp } from './support.js'

const PASSWORD = 'correct horse battery'

async function signIn(page: Page, username: string, password = PASSWORD) {
  // A tab in the background gets few animation frames, and Playwright waits for them before a click.
  await page.bringToFront()
  const form = page.getByRole('form', { name: 'Sign in' })
  await form.getByLabel('Username').fill(username)
  await form.getByLabel('Password').fill(password)
  await form.getByRole('button', { name: 'Sign in' }).click()
}

const statusText = (page: Page) => page.locator('#status').textContent()

describe('the demo page, used in Chromium as a person would', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let app: RunningApp
  let browser: Browser
  before(async () => {
    ;[app, browser] = await Promise.all([startApp(), launchBrowser()])
    await createUser(app.t, 'alice', PASSWORD)
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  test('register, who am I, refresh, sessions (a hostile user agent stays text), revoke, log out everywhere, sign in, log out; screenshots', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    const response = await page.goto(`${app.origin}/`)
    const csp = response!.headers()['content-security-policy'] ?? ''
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    await page.locator('#signed-out').waitFor()

    const register = page.getByRole('form', { name: 'Create an account' })
    // The server's field errors are shown next to the form.
    await register.getByLabel('Username').fill('alice')
    await register.getByLabel('Password').fill('a sturdy passphrase 42')
    await register.getByRole('button', { name: 'Create account' }).click()
    await register.getByRole('alert').filter({ hasText: /^username: / }).waitFor()
    await page.screenshot({ path: screenshotPath('demo-signed-out.png'), fullPage: true })

    await register.getByLabel('Username').fill('carol')
    await register.getByLabel('Password').fill('a sturdy passphrase 42')
    await register.getByLabel('First name').fill('Carol')
    await register.getByLabel('Last name').fill('Danvers')
    await register.getByRole('button', { name: 'Create account' }).click()
    await page.getByText('Welcome, carol').waitFor()
    assert.equal(await page.locator('#me-username').textContent(), 'carol')
    assert.equal(await page.locator('#me-name').textContent(), 'Carol Danvers')
    assert.match((await page.locator('#access-remaining').textContent())!, /^about 1[45]:\d\d left$/)

    await page.getByRole('button', { name: 'Who am I?' }).click()
    await page.getByText('The server says you are carol').waitFor()

    // Carol signs in elsewhere with a user agent that is an XSS payload; her session list must show it as text.
    const hostileAgent = '<img src=x onerror="window.pwned=1">Evil/1.0'
    const elsewhere = await fetch(`${app.origin}/accounts/auth/login/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': hostileAgent },
      body: JSON.stringify({ username: 'carol', password: 'a sturdy passphrase 42' }),
    })
    assert.equal(elsewhere.status, 200)
    const elsewhereRefresh = elsewhere.headers.getSetCookie().find((c) => c.startsWith('refresh_token='))!.split(';')[0]!

    await page.getByRole('button', { name: 'Refresh now' }).click()
    await page.getByText('New access token issued.').waitFor()
    const rows = page.locator('#session-list li')
    await rows.nth(1).waitFor()
    assert.equal(await rows.count(), 2)
    assert.equal(await rows.filter({ hasText: 'this browser' }).count(), 1)
    assert.equal(await page.locator('#session-list li', { hasText: hostileAgent }).count(), 1)
    assert.equal(await page.locator('#session-list img').count(), 0)

    // The CSP is in force: an inline script that got into the page would not run.
    await page.evaluate(() => {
      const script = document.createElement('script')
      script.textContent = 'window.pwned = 2'
      document.body.append(script)
    })
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined)

    await page.screenshot({ path: screenshotPath('demo-signed-in.png'), fullPage: true })
    await page.setViewportSize({ width: 390, height: 844 })
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling on a phone')
    await page.screenshot({ path: screenshotPath('demo-signed-in-phone.png'), fullPage: true })
    await page.setViewportSize({ width: 1100, height: 900 })

    // Revoke the other session: its refresh token is dead at once.
    await rows.filter({ hasNotText: 'this browser' }).getByRole('button', { name: /^Revoke/ }).click()
    await page.getByText('Session revoked.').waitFor()
    assert.equal(await rows.count(), 1)
    const dead = await fetch(`${app.origin}/accounts/auth/refresh_token/`, { method: 'POST', headers: { cookie: elsewhereRefresh } })
    assert.equal(dead.status, 401)

    await page.getByRole('button', { name: 'Log out everywhere' }).click()
    await page.getByText('Every session has been ended.').waitFor()
    assert.ok(await page.locator('#signed-out').isVisible())

    await signIn(page, 'carol', 'not her password')
    await page.getByRole('form', { name: 'Sign in' }).getByRole('alert').filter({ hasText: /./ }).waitFor()
    assert.ok(await page.locator('#signed-out').isVisible())
    await signIn(page, 'carol', 'a sturdy passphrase 42')
    await page.getByText('Signed in as carol.').waitFor()

    await page.getByRole('button', { name: 'Log out other sessions' }).click()
    await page.getByText('Ended 0 other sessions.').waitFor()

    await page.getByRole('button', { name: 'Revoke this browser session' }).click()
    await page.getByText('This browser’s session was revoked.').waitFor()
    assert.ok(await page.locator('#signed-out').isVisible())

    await signIn(page, 'carol', 'a sturdy passphrase 42')
    await page.getByText('Signed in as carol.').waitFor()
    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await page.getByText('You are signed out.').waitFor()
    const cookies = await context.cookies()
    assert.deepEqual(cookies.filter((c) => c.name === 'access_token' || c.name === 'refresh_token'), [])
    assert.deepEqual(pageErrors, [])
    await context.close()
  })

  test('logging in in one tab signs in the other; logging out in one tab sends the other to the signed-out state', async () => {
    const context = await browser.newContext()
    const [first, second] = [await context.newPage(), await context.newPage()]
    await Promise.all([first.goto(`${app.origin}/`), second.goto(`${app.origin}/`)])
    await Promise.all([first.locator('#signed-out').waitFor(), second.locator('#signed-out').waitFor()])

    await signIn(first, 'alice')
    await second.getByText('Signed in from another tab.').waitFor()
    await second.locator('#me-username', { hasText: 'alice' }).waitFor()

    await first.bringToFront()
    await first.getByRole('button', { name: 'Log out', exact: true }).click()
    await second.locator('#signed-out').waitFor()
    assert.match((await statusText(second))!, /^Signed out in another tab\. You are signed out\.$/)
    await context.close()
  })

  test('a session ended from another device sends every tab of this browser to the signed-out state at its next call', async () => {
    const laptop = await browser.newContext()
    const phone = await browser.newContext()
    const [tab1, tab2] = [await laptop.newPage(), await laptop.newPage()]
    const phoneTab = await phone.newPage()
    await tab1.goto(`${app.origin}/`)
    await signIn(tab1, 'alice')
    await tab1.getByText('Signed in as alice.').waitFor()
    await tab2.goto(`${app.origin}/`)
    await tab2.locator('#me-username', { hasText: 'alice' }).waitFor()

    await phoneTab.goto(`${app.origin}/`)
    await signIn(phoneTab, 'alice')
    await phoneTab.getByText('Signed in as alice.').waitFor()
    await phoneTab.bringToFront()
    await phoneTab.getByRole('button', { name: 'Log out everywhere' }).click()
    await phoneTab.getByText('Every session has been ended.').waitFor()

    // The laptop's access token is refused at once (its session is revoked), and so is its refresh token.
    await tab1.bringToFront()
    await tab1.getByRole('button', { name: 'Who am I?' }).click()
    await tab1.getByText('Your session has ended. Please sign in again.').waitFor()
    await tab2.locator('#signed-out').waitFor()
    assert.match((await statusText(tab2))!, /^Signed out in another tab\./)
    await Promise.all([laptop.close(), phone.close()])
  })
})

describe('the demo page follows the server’s route profile', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let app: RunningApp
  let browser: Browser
  before(async () => {
    ;[app, browser] = await Promise.all([startApp({ ROUTE_PROFILE: 'dj-rest-auth', ROUTE_CSRF_TOKEN: 'csrf/', CSRF_TOKEN_RESPONSE_KEY: 'csrfToken' }), launchBrowser()])
    await createUser(app.t, 'alice', PASSWORD)
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  test('dj-rest-auth’s paths: register, sign in and log out work from the page unchanged', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const calls: string[] = []
    page.on('request', (request) => calls.push(new URL(request.url()).pathname))
    await page.goto(`${app.origin}/`)
    const register = page.getByRole('form', { name: 'Create an account' })
    await register.getByLabel('Username').fill('dora')
    await register.getByLabel('Password').fill('a sturdy passphrase 42')
    await register.getByRole('button', { name: 'Create account' }).click()
    await page.getByText('Welcome, dora').waitFor()
    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await page.getByText('You are signed out.').waitFor()
    await signIn(page, 'alice')
    await page.getByText('Signed in as alice.').waitFor()
    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await page.getByText('You are signed out.').waitFor()
    for (const path of ['/accounts/registration/', '/accounts/login/', '/accounts/logout/']) assert.ok(calls.includes(path), `${path} in ${calls.join(' ')}`)
    for (const seedPath of ['/accounts/auth/login/', '/accounts/auth/logout/', '/accounts/auth/register/', '/accounts/auth/refresh_token/']) assert.ok(!calls.includes(seedPath), `${seedPath} in ${calls.join(' ')}`)
    await context.close()
  })
})
