import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ParsedMail } from 'mailparser'
import type { Browser, Page } from 'playwright-core'
import { startSmtp, type TestSmtp } from '../mail/smtp-server.js'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { closedPort } from '../support/net.js'
import { buildClient, countRequests, launchBrowser, screenshotPath, sleep, SKIP_WITHOUT_CHROMIUM } from './support.js'

const OLD = 'correct horse battery'
const NEW = 'a fresh and sturdy passphrase 7'

/** The next message to `to` that the test's SMTP server receives after `seen` messages. */
async function nextMail(smtp: TestSmtp, to: string, seen: number): Promise<ParsedMail> {
  for (let waited = 0; waited < 15_000; waited += 50) {
    const mail = smtp.received.slice(seen).find((m) => [m.to].flat().some((a) => a?.text === to))
    if (mail) return mail
    await sleep(50)
  }
  throw new Error(`no mail to ${to} within 15 s (received ${smtp.received.length})`)
}

function linkIn(mail: ParsedMail, prefix: string): string {
  const link = mail.text?.split(/\s+/).find((word) => word.startsWith(prefix))
  if (!link) throw new Error(`no link starting with ${prefix} in: ${mail.text}`)
  return link
}

async function signIn(page: Page, username: string, password: string) {
  await page.bringToFront()
  const form = page.getByRole('form', { name: 'Sign in' })
  await form.getByLabel('Username').fill(username)
  await form.getByLabel('Password').fill(password)
  await form.getByRole('button', { name: 'Sign in' }).click()
}

const status = (page: Page, text: string | RegExp) => page.locator('#status', { hasText: text }).waitFor()

/** The real server on its own origin, mailing through a real SMTP server in this process; links point at it. */
async function startMailApp(env: Record<string, string> = {}): Promise<{ smtp: TestSmtp; t: TestApp; origin: string; close(): Promise<void> }> {
  buildClient()
  const smtp = await startSmtp()
  // The links in the mails point at SITE_URL: the app's own origin, so its port is chosen first.
  const port = await closedPort()
  const origin = `http://localhost:${port}`
  const t = await createTestApp({ EMAIL_URL: smtp.url, EMAIL_FROM: 'Tessera <noreply@example.com>', SITE_URL: origin, ...env })
  await t.app.listen({ port, host: '127.0.0.1' })
  return {
    smtp,
    t,
    origin,
    close: async () => {
      await t.close()
      await smtp.close()
    },
  }
}

// The page calls the routes where the server's table puts them: the seed layout and dj-rest-auth's.
const PROFILES = { seed: '/accounts/auth/password/reset/', 'dj-rest-auth': '/accounts/password/reset/' } as const

for (const [profile, resetPath] of Object.entries(PROFILES))
  describe(`the demo page’s account screens in Chromium (ROUTE_PROFILE=${profile}), with mail through a real SMTP server`, {
    skip: SKIP_WITHOUT_CHROMIUM,
  }, () => {
    let running: Awaited<ReturnType<typeof startMailApp>>
    let smtp: TestSmtp
    let t: TestApp
    let origin: string
    let browser: Browser
    before(async () => {
      ;[running, browser] = await Promise.all([startMailApp({ ROUTE_PROFILE: profile }), launchBrowser()])
      ;({ smtp, t, origin } = running)
      await createUser(t, 'alice', OLD, { email: 'alice@example.com' })
      await createUser(t, 'bob', OLD, { email: 'bob@example.com' })
    })
    after(async () => {
      await browser?.close()
      await running?.close()
    })

    test('forgot password → the mailed link → a new password: it signs in, the old one no longer does, the link works once', async () => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
      const resets = countRequests(context, `${origin}${resetPath}`)
      const page = await context.newPage()
      const pageErrors: string[] = []
      page.on('pageerror', (error) => pageErrors.push(error.message))
      await page.goto(`${origin}/`)
      await page.locator('#signed-out').waitFor()

      const seen = smtp.received.length
      const forgot = page.getByRole('form', { name: 'Forgot password?' })
      await forgot.getByLabel('Email').fill('alice@example.com')
      await forgot.getByRole('button', { name: 'Mail me a reset link' }).click()
      await status(page, 'Password reset e-mail has been sent.')
      assert.equal(resets.count, 1, `the request went to ${resetPath}`)
      const mail = await nextMail(smtp, 'alice@example.com', seen)
      assert.match(mail.subject ?? '', /^Password reset on /)
      const link = linkIn(mail, `${origin}/#/reset/`)

      // Followed as from a mail client: a new tab.
      const tab = await context.newPage()
      tab.on('pageerror', (error) => pageErrors.push(error.message))
      await tab.goto(link)
      const reset = tab.getByRole('form', { name: 'Choose a new password' })
      await reset.waitFor()
      // The secret part of the link leaves the address bar (and the history) at once.
      assert.equal(new URL(tab.url()).hash, '')
      assert.ok(await tab.locator('#signed-out').isHidden())

      await reset.getByLabel('New password', { exact: true }).fill(NEW)
      await reset.getByLabel('Repeat the new password').fill(`${NEW} typo`)
      await reset.getByRole('button', { name: 'Set the new password' }).click()
      await reset
        .getByRole('alert')
        .filter({ hasText: /^new password2: / })
        .waitFor()
      await tab.screenshot({ path: screenshotPath(`account-reset-form-${profile}.png`), fullPage: true })

      await reset.getByLabel('Repeat the new password').fill(NEW)
      await reset.getByRole('button', { name: 'Set the new password' }).click()
      await status(tab, 'Password has been reset with the new password. Sign in with it.')
      assert.ok(await tab.locator('#signed-out').isVisible())
      const notice = await nextMail(smtp, 'alice@example.com', seen + 1)
      assert.match(notice.subject ?? '', /password/i)

      await signIn(tab, 'alice', OLD)
      await tab.getByRole('form', { name: 'Sign in' }).getByRole('alert').filter({ hasText: /./ }).waitFor()
      assert.ok(await tab.locator('#signed-out').isVisible())
      await signIn(tab, 'alice', NEW)
      await status(tab, 'Signed in as alice.')
      assert.equal(await tab.locator('#me-username').textContent(), 'alice')

      // The same link again: the token changed with the password hash, so it is refused.
      const again = await context.newPage()
      await again.goto(link)
      const second = again.getByRole('form', { name: 'Choose a new password' })
      await second.getByLabel('New password', { exact: true }).fill('yet another passphrase 99')
      await second.getByLabel('Repeat the new password').fill('yet another passphrase 99')
      await second.getByRole('button', { name: 'Set the new password' }).click()
      await second
        .getByRole('alert')
        .filter({ hasText: /^token: Invalid value/ })
        .waitFor()
      assert.deepEqual(pageErrors, [])
      await context.close()
    })

    test('profile, email state with resend, the verify-email page, email change and deletion', async () => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
      const page = await context.newPage()
      const pageErrors: string[] = []
      page.on('pageerror', (error) => pageErrors.push(error.message))
      await page.goto(`${origin}/`)
      await signIn(page, 'bob', OLD)
      await status(page, 'Signed in as bob.')
      assert.equal(await page.locator('#me-email').textContent(), 'bob@example.com')
      assert.equal(await page.locator('#email-state').textContent(), 'not verified')

      // Resend → the confirmation mail → its page → verified.
      let seen = smtp.received.length
      await page.getByRole('button', { name: 'Resend the confirmation' }).click()
      await status(page, 'A confirmation link was mailed to bob@example.com.')
      const verifyLink = linkIn(await nextMail(smtp, 'bob@example.com', seen), `${origin}/#/verify-email/`)
      const tab = await context.newPage()
      tab.on('pageerror', (error) => pageErrors.push(error.message))
      await tab.goto(verifyLink)
      const confirm = tab.getByRole('form', { name: 'Confirm your email address' })
      await confirm.waitFor()
      assert.equal(new URL(tab.url()).hash, '')
      await confirm.getByRole('button', { name: 'Confirm my email address' }).click()
      await status(tab, 'Your email address is confirmed.')
      assert.equal(await tab.locator('#email-state').textContent(), 'verified')
      assert.ok(await tab.getByRole('button', { name: 'Resend the confirmation' }).isHidden())
      // A key is good once; a made-up one is refused in words.
      await tab.goto(`${origin}/#/verify-email/not-a-key`)
      await confirm.getByRole('button', { name: 'Confirm my email address' }).click()
      await confirm.getByRole('alert').filter({ hasText: 'invalid or has expired' }).waitFor()
      await tab.close()

      // Profile: the names are saved and shown.
      await page.bringToFront()
      const profile = page.getByRole('form', { name: 'Profile' })
      await profile.getByLabel('First name').fill('Robert')
      await profile.getByLabel('Last name').fill('Tables')
      await profile.getByRole('button', { name: 'Save the profile' }).click()
      await status(page, 'Profile saved.')
      assert.equal(await page.locator('#me-name').textContent(), 'Robert Tables')

      // Email change: a wrong password is refused; the right one mails the new address and tells the old.
      const change = page.getByRole('form', { name: 'Change the email address' })
      await change.getByLabel('New email').fill('robert@example.com')
      await change.getByLabel('Current password').fill('not my password')
      await change.getByRole('button', { name: 'Mail a confirmation' }).click()
      await change
        .getByRole('alert')
        .filter({ hasText: /^password: / })
        .waitFor()
      seen = smtp.received.length
      await change.getByLabel('New email').fill('robert@example.com')
      await change.getByLabel('Current password').fill(OLD)
      await change.getByRole('button', { name: 'Mail a confirmation' }).click()
      await status(page, 'A confirmation link was mailed to robert@example.com')
      const changeLink = linkIn(await nextMail(smtp, 'robert@example.com', seen), `${origin}/#/verify-email/`)
      await nextMail(smtp, 'bob@example.com', seen)
      assert.equal(await page.locator('#me-email').textContent(), 'bob@example.com')
      await page.goto(changeLink)
      await page.getByRole('button', { name: 'Confirm my email address' }).click()
      await status(page, 'Your email address is confirmed.')
      assert.equal(await page.locator('#me-email').textContent(), 'robert@example.com')
      await page.screenshot({ path: screenshotPath(`account-signed-in-${profile}.png`), fullPage: true })

      // Deletion: refused with a wrong password; then the account and its session are gone.
      const remove = page.getByRole('form', { name: 'Delete the account' })
      await remove.getByLabel('Current password').fill('not my password')
      await remove.getByRole('button', { name: 'Delete my account' }).click()
      await remove
        .getByRole('alert')
        .filter({ hasText: /^password: / })
        .waitFor()
      await remove.getByLabel('Current password').fill(OLD)
      await remove.getByRole('button', { name: 'Delete my account' }).click()
      await status(page, 'Your account was deleted.')
      assert.ok(await page.locator('#signed-out').isVisible())
      assert.deepEqual(
        (await context.cookies()).filter((c) => c.name === 'access_token' || c.name === 'refresh_token'),
        [],
      )
      await signIn(page, 'bob', OLD)
      await page.getByRole('form', { name: 'Sign in' }).getByRole('alert').filter({ hasText: /./ }).waitFor()
      assert.equal(await t.app.tessera.getUser((await t.opened.store.findUserByUsername('bob'))?.id ?? -1), null)
      assert.deepEqual(pageErrors, [])
      await context.close()
    })
  })

describe('EMAIL_VERIFICATION=mandatory on the demo page, in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let running: Awaited<ReturnType<typeof startMailApp>>
  let browser: Browser
  before(async () => {
    ;[running, browser] = await Promise.all([startMailApp({ EMAIL_VERIFICATION: 'mandatory' }), launchBrowser()])
  })
  after(async () => {
    await browser?.close()
    await running?.close()
  })

  test('register → told to confirm → sign-in refused → the confirmation mailed again → confirmed → sign-in works', async () => {
    const { smtp, origin } = running
    const context = await browser.newContext()
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(`${origin}/`)
    const seen = smtp.received.length
    const register = page.getByRole('form', { name: 'Create an account' })
    await register.getByLabel('Username').fill('dora')
    await register.getByLabel('Password').fill(OLD)
    await register.getByLabel('Email').fill('dora@example.com')
    await register.getByRole('button', { name: 'Create account' }).click()
    await status(page, 'Your account dora is ready: confirm dora@example.com with the link mailed to it, then sign in.')
    assert.ok(await page.locator('#signed-out').isVisible())
    await nextMail(smtp, 'dora@example.com', seen)

    await signIn(page, 'dora', OLD)
    await page.getByRole('form', { name: 'Sign in' }).getByRole('alert').filter({ hasText: 'E-mail is not verified.' }).waitFor()

    // The first mail is lost: the signed-out page has it sent again, and that link confirms.
    const again = smtp.received.length
    const resend = page.getByRole('form', { name: 'No confirmation mail?' })
    await resend.getByLabel('Email').fill('dora@example.com')
    await resend.getByRole('button', { name: 'Mail the confirmation again' }).click()
    await status(page, 'If dora@example.com awaits confirmation, a new link is on its way.')
    const link = linkIn(await nextMail(smtp, 'dora@example.com', again), `${origin}/#/verify-email/`)
    await page.goto(link)
    await page.getByRole('button', { name: 'Confirm my email address' }).click()
    await status(page, 'Your email address is confirmed: you can sign in now.')
    await signIn(page, 'dora', OLD)
    await status(page, 'Signed in as dora.')
    assert.equal(await page.locator('#email-state').textContent(), 'verified')
    assert.deepEqual(pageErrors, [])
    await context.close()
  })
})
