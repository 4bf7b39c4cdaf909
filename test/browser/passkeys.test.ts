import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { totpCode } from '../../src/auth/index.js'
import { createUser } from '../support/app.js'
import { launchBrowser, screenshotPath, SKIP_WITHOUT_CHROMIUM, startApp, type RunningApp } from './support.js'

const PASSWORD = 'correct horse battery'

/** A page of the demo with a CDP virtual authenticator: a platform passkey store with user verification. */
async function pageWithAuthenticator(browser: Browser): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true } })
  return { context, page, cdp, authenticatorId, errors }
}

async function signIn(page: Page, username: string, password = PASSWORD) {
  await page.bringToFront()
  const form = page.getByRole('form', { name: 'Sign in' })
  await form.getByLabel('Username').fill(username)
  await form.getByLabel('Password').fill(password)
  await form.getByRole('button', { name: 'Sign in', exact: true }).click()
}

const status = (page: Page, text: string | RegExp) => page.locator('#status').filter({ hasText: text }).waitFor()

describe('passkeys in Chromium with a virtual authenticator', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let app: RunningApp
  let browser: Browser
  before(async () => {
    ;[app, browser] = await Promise.all([startApp(), launchBrowser()])
    await createUser(app.t, 'alice', PASSWORD)
    await createUser(app.t, 'bob', PASSWORD)
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  test('register a passkey from the demo page, log out, log in without a password, then use it as the second factor', async () => {
    const { context, page, cdp, authenticatorId, errors } = await pageWithAuthenticator(browser)
    await page.goto(`${app.origin}/`)
    await signIn(page, 'alice')
    await page.locator('#signed-in').waitFor()
    const passkeys = page.getByRole('article', { name: 'Passkeys' })
    await passkeys.getByText('No passkey yet.').waitFor()
    await passkeys.getByLabel('Name').fill('Chromium')
    await passkeys.getByRole('button', { name: 'Add a passkey' }).click()
    await status(page, 'Passkey Chromium added')
    await passkeys.getByText('Chromium', { exact: true }).waitFor()
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    assert.equal(credentials.length, 1)
    assert.equal(credentials[0]!.isResidentCredential, true, 'a discoverable credential')
    await page.screenshot({ path: screenshotPath('passkeys-registered.png'), fullPage: true })

    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await page.locator('#signed-out').waitFor()
    await page.getByRole('button', { name: 'Log in with a passkey' }).click()
    await status(page, 'Signed in with a passkey.')
    assert.equal(await page.locator('#me-username').textContent(), 'alice')
    assert.notEqual(await passkeys.getByText(/last used never/).count(), 1, 'the list shows the last use')

    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await page.locator('#signed-out').waitFor()
    await signIn(page, 'alice')
    const step = page.getByRole('form', { name: 'Second step' })
    await step.waitFor()
    assert.equal(await page.locator('#me-username').isVisible(), false)
    assert.equal(await step.getByLabel('Code from your app').isVisible(), false, 'no TOTP: only the passkey is offered')
    await page.screenshot({ path: screenshotPath('passkeys-second-step.png'), fullPage: true })
    await step.getByRole('button', { name: 'Use a passkey' }).click()
    await status(page, 'Signed in with your second factor.')
    assert.equal(await page.locator('#me-username').textContent(), 'alice')
    const { credentials: after } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    assert.ok(after[0]!.signCount >= 2, `the authenticator counted its signatures (${after[0]!.signCount})`)
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('a replayed assertion and an assertion for a swapped challenge are refused; the passkey still works', async () => {
    const { context, page } = await pageWithAuthenticator(browser)
    await page.goto(`${app.origin}/`)
    await signIn(page, 'bob')
    await page.locator('#signed-in').waitFor()
    const passkeys = page.getByRole('article', { name: 'Passkeys' })
    await passkeys.getByRole('button', { name: 'Add a passkey' }).click()
    await status(page, /Passkey .* added/)
    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await page.locator('#signed-out').waitFor()

    // As a string: the test runner's compiler would wrap named functions in a helper the page does not have.
    const outcome = (await page.evaluate(`(async () => {
      const { startAuthentication } = await import('/assets/vendor/simplewebauthn-browser/index.js')
      const post = async (path, body) => {
        const response = await fetch('/accounts/auth/webauthn/' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        return { status: response.status, body: await response.json() }
      }
      const options = async () => (await post('login/options/', {})).body
      const assertion = await startAuthentication({ optionsJSON: await options() })
      const first = await post('login/', { credential: assertion })
      const replay = await post('login/', { credential: assertion })
      await options()
      const replayWithFreshChallenge = await post('login/', { credential: assertion })
      const forB = await startAuthentication({ optionsJSON: await options() })
      await options()
      const swapped = await post('login/', { credential: forB })
      const again = await post('login/', { credential: await startAuthentication({ optionsJSON: await options() }) })
      return { first, replay, replayWithFreshChallenge, swapped, again }
    })()`)) as Record<'first' | 'replay' | 'replayWithFreshChallenge' | 'swapped' | 'again', { status: number; body: unknown }>
    assert.deepEqual(outcome.first, { status: 200, body: {} })
    assert.deepEqual(outcome.replay, { status: 400, body: { detail: 'The passkey challenge has expired or was asked for elsewhere: ask for a new one.' } })
    assert.deepEqual(outcome.replayWithFreshChallenge, { status: 400, body: { credential: ['Invalid passkey.'] } })
    assert.deepEqual(outcome.swapped, { status: 400, body: { credential: ['Invalid passkey.'] } })
    assert.equal(outcome.again.status, 200)
    await context.close()
  })

  test('TOTP from the demo page: the QR code, the recovery codes, then the second step with a code', async () => {
    const { context, page, errors } = await pageWithAuthenticator(browser)
    await createUser(app.t, 'carol', PASSWORD)
    await page.goto(`${app.origin}/`)
    await signIn(page, 'carol')
    await page.locator('#signed-in').waitFor()
    const totp = page.getByRole('article', { name: 'Authenticator app (TOTP)' })
    await totp.getByLabel('Your password', { exact: true }).fill(PASSWORD)
    await totp.getByRole('button', { name: 'Set up TOTP' }).click()
    await totp.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor()
    const secret = (await page.locator('#totp-secret').textContent())!
    await totp.getByLabel('Code from the app').fill(totpCode(secret, Date.now()))
    await totp.getByRole('button', { name: 'Activate' }).click()
    await page.locator('#recovery-codes li').nth(9).waitFor()
    assert.equal(await page.locator('#recovery-codes li').count(), 10)
    await page.screenshot({ path: screenshotPath('totp-recovery-codes.png'), fullPage: true })
    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await page.locator('#signed-out').waitFor()
    await signIn(page, 'carol')
    const step = page.getByRole('form', { name: 'Second step' })
    await step.waitFor()
    // The code of the next time step: the current one was spent on activation.
    await step.getByLabel('Code from your app').fill(totpCode(secret, Date.now() + 30_000))
    await step.getByRole('button', { name: 'Verify' }).click()
    await status(page, 'Signed in with your second factor.')
    assert.equal(await page.locator('#me-username').textContent(), 'carol')
    assert.deepEqual(errors, [])
    await context.close()
  })
})
