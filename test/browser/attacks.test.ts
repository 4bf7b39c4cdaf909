import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext } from 'playwright-core'
import { createUser } from '../support/app.js'
import { attackPages } from './attack-pages.js'
import { launchBrowser, openClientPage, SKIP_WITHOUT_CHROMIUM, startApp, startPageServer, type PageServer, type RunningApp } from './support.js'

const PASSWORD = 'correct horse battery'
const MALLORY = { username: 'mallory', password: 'mallory knows this one' }
const SESSION_COOKIE = /(?:^|;\s*)(access_token|refresh_token)=[^;]+/

async function appCookies(context: BrowserContext, origin: string) {
  return (await context.cookies(origin)).map((c) => `${c.name}=${c.value}`).sort()
}

describe('cross-origin attacks on a signed-in victim, in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let app: RunningApp
  let browser: Browser
  let attacker: PageServer
  let malloryId: number
  /** Filled per test once the victim's session id is known; the attacker's server reads it per request. */
  const pages: Record<string, string> = {}

  before(async () => {
    ;[app, browser, attacker] = await Promise.all([startApp(), launchBrowser(), startPageServer(pages)])
    await createUser(app.t, 'alice', PASSWORD)
    malloryId = (await createUser(app.t, MALLORY.username, MALLORY.password)).id
    // The attacker's credentials do work from a legitimate client: only the defences stop the login CSRF below.
    const control = await fetch(`${app.origin}/accounts/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(MALLORY) })
    assert.equal(control.status, 200)
  })
  after(async () => {
    await browser?.close()
    await attacker?.close()
    await app?.close()
  })

  const cases = [
    { label: 'from the same site on another port (http://localhost:<port2>), where SameSite=Lax cookies travel', host: 'localhost', sameSite: true },
    { label: 'from another site (http://127.0.0.2:<port2>)', host: '127.0.0.2', sameSite: false },
  ]

  for (const { label, host, sameSite } of cases) {
    test(`${label}: auto-submitting forms and credentialed fetches change nothing`, async () => {
      const context = await browser.newContext()
      const victim = await openClientPage(context, app.origin)
      await victim.evaluate((password) => window.tessera.login('alice', password), PASSWORD)
      const session = (await victim.evaluate(() => window.tessera.sessions())).find((s) => s.current)!
      const cookiesBefore = await appCookies(context, app.origin)
      const mallorySessions = (await app.t.app.tessera.listSessions(malloryId)).length
      Object.assign(pages, attackPages(`${app.origin}/accounts`, session.id, MALLORY))
      const site = `http://${host}:${attacker.port}`

      for (const path of ['/form-logout', '/form-refresh', '/form-revoke', '/form-logout-all', '/form-login']) {
        const tab = await context.newPage()
        const hit = tab.waitForResponse((r) => r.url().startsWith(app.origin))
        await tab.goto(`${site}${path}`, { waitUntil: 'commit' })
        const response = await hit
        const request = response.request()
        const cookie = (await request.allHeaders()).cookie ?? ''
        const body = await response.text()
        const what = `${path} from ${site}`
        assert.ok(response.status() >= 400, `${what} was refused (got ${response.status()})`)
        if (path === '/form-revoke') assert.equal(response.status(), 405, `${what}: a form cannot send DELETE`)
        else if (sameSite || path === '/form-login') assert.match(body, /CSRF Failed/, `${what}: stopped by the CSRF/Origin check (${body})`)
        // Same site: the browser sent the session cookies (and the page could even read the CSRF cookie), so
        // only Tessera's Origin check stood in the way. Another site: SameSite=Lax kept the cookies home.
        assert.equal(SESSION_COOKIE.test(cookie), sameSite, `${what}: session cookies ${sameSite ? '' : 'not '}sent`)
        if (sameSite && path === '/form-logout') assert.match(request.postData() ?? '', /csrfmiddlewaretoken=[A-Za-z0-9]{32}/, 'the stolen CSRF secret was sent')
        await tab.close()
      }

      const tab = await context.newPage()
      const seen: string[] = []
      tab.on('response', (r) => {
        if (r.url().startsWith(app.origin)) seen.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`)
      })
      await tab.goto(`${site}/fetch`)
      const results = await tab.evaluate(() => (window as unknown as { results: Promise<string[]> }).results)
      assert.deepEqual(results, [
        'read-user:blocked', // CORS: the attacker cannot read the victim's data
        'logout:opaque:0',
        'logout-all:opaque:0',
        'refresh:blocked',
        'revoke:blocked', // DELETE needs a preflight, which the app does not grant
        'login:blocked',
      ])
      for (const line of seen) {
        const status = Number(line.split(' ')[2])
        if (line.startsWith('OPTIONS ')) continue
        assert.ok(status >= 400, `the server refused ${line}`)
      }
      assert.ok(!seen.some((line) => line.startsWith('DELETE ')), `no DELETE reached the server: ${seen.join(', ')}`)
      await tab.close()

      // From the victim's tab: the same user, the same session, the same cookies.
      assert.deepEqual(await appCookies(context, app.origin), cookiesBefore)
      assert.equal((await victim.evaluate(() => window.tessera.me()))?.username, 'alice')
      const after = await victim.evaluate(() => window.tessera.sessions())
      assert.equal(after.find((s) => s.current)?.id, session.id)
      assert.deepEqual(await appCookies(context, app.origin), cookiesBefore)
      assert.equal((await app.t.app.tessera.listSessions(malloryId)).length, mallorySessions, 'no login as mallory happened')
      assert.deepEqual(await victim.evaluate(() => window.events.map((e) => e.type)), ['login'])
      await context.close()
    })
  }
})
