import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { resolveOptions } from '../../src/config/index.js'
import { runtimeOf } from '../../src/http/internal.js'
import { hasDevMailbox, linkify } from '../../src/http/mailbox.js'
import { createTestApp, createUser, TEST_ENV, type TestApp } from '../support/app.js'

const HOSTILE = '<script>window.pwned=1</script>@evil.example'

/** Runs `work` with stdout captured: the development default, EMAIL_URL unset, prints each message there too. */
async function capturingStdout<T>(work: () => Promise<T>): Promise<{ result: T; printed: string }> {
  const write = process.stdout.write
  let printed = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += String(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    return { result: await work(), printed }
  } finally {
    process.stdout.write = write
  }
}

describe('/dev/mailbox with NODE_ENV=development and no EMAIL_URL', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ NODE_ENV: 'development' })
    await createUser(t, 'alice', 'correct horse battery', { email: 'alice@example.com' })
    await createUser(t, 'mallory', 'correct horse battery', { email: HOSTILE })
  })
  after(() => t.close())

  test('lists the captured messages: subject, recipient, date, text body with its links clickable', async () => {
    assert.equal(t.config.email.transport.kind, 'console')
    const { printed } = await capturingStdout(async () => {
      for (const email of ['alice@example.com', HOSTILE]) {
        const answer = await t.app.inject({ method: 'POST', url: '/accounts/auth/password/reset/', payload: { email } })
        assert.equal(answer.statusCode, 200)
      }
      await runtimeOf(t.app).mail.sender!.runNow()
    })
    assert.match(printed, /Subject: Password reset on Tessera/)

    const page = await t.app.inject({ url: '/dev/mailbox' })
    assert.equal(page.statusCode, 200)
    assert.match(page.headers['content-type'] as string, /^text\/html/)
    assert.equal(page.headers['cache-control'], 'no-store')
    const csp = page.headers['content-security-policy'] as string
    assert.match(csp, /default-src 'none'/)
    assert.doesNotMatch(csp, /script-src/)
    const html = page.body
    assert.equal(html.match(/<article /g)?.length, 2)
    assert.match(html, /<h2>Password reset on Tessera<\/h2>/)
    assert.match(html, /<dt>To<\/dt><dd>alice@example\.com<\/dd>/)
    assert.match(html, /<dt>Date<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/dd>/)
    assert.match(html, /<dt>Status<\/dt><dd>sent<\/dd>/)
    assert.match(html, /Hello alice,/)
    const link = /<a href="(http:\/\/127\.0\.0\.1:8000\/#\/reset\/[^"]+)">\1<\/a>/.exec(html)
    assert.ok(link, 'the reset link is an anchor')
    assert.match(link[1]!, /^http:\/\/127\.0\.0\.1:8000\/#\/reset\/[A-Za-z0-9_-]+\/[0-9a-z]+-[0-9a-f]+$/)
  })

  test('an address that is markup stays text (no element is injected into the page)', async () => {
    const html = (await t.app.inject({ url: '/dev/mailbox' })).body
    assert.ok(!html.includes('<script>'), 'no script element')
    assert.ok(html.includes('&lt;script&gt;window.pwned=1&lt;/script&gt;@evil.example'))
  })

  test('the demo page links to it', async () => {
    assert.match((await t.app.inject({ url: '/' })).body, /<a href="\/dev\/mailbox">Development mailbox<\/a>/)
  })
})

describe('/dev/mailbox elsewhere: a 404, and no link on the demo page', () => {
  for (const [label, env] of [
    ['NODE_ENV=test', {}],
    ['NODE_ENV=production', { NODE_ENV: 'production', ARGON2_MEMORY_COST: '19456', ALLOWED_HOSTS: 'localhost', DEMO_ENABLED: 'true', AUTH_COOKIE_SECURE: 'false', SECRET_KEY: 'a-production-grade-secret-key-of-enough-bytes-0123456789' }],
    ['NODE_ENV=development with an SMTP EMAIL_URL', { NODE_ENV: 'development', EMAIL_URL: 'smtp://127.0.0.1:9' }],
  ] as const) {
    test(label, async () => {
      const t = await createTestApp(env)
      try {
        const page = await t.app.inject({ url: '/dev/mailbox' })
        assert.equal(page.statusCode, 404)
        assert.deepEqual(page.json(), { detail: 'Not found.' })
        const demo = await t.app.inject({ url: '/' })
        assert.equal(demo.statusCode, 200)
        assert.doesNotMatch(demo.body, /dev\/mailbox|\{\{/)
      } finally {
        await t.close()
      }
    })
  }
})

test('hasDevMailbox: development with console, file or memory mail; never test or production', () => {
  const config = (env: Record<string, unknown>) => resolveOptions({ tokens: { secretKey: TEST_ENV.SECRET_KEY }, ...env })
  assert.equal(hasDevMailbox(config({ env: 'development' })), true)
  assert.equal(hasDevMailbox(config({ env: 'development', email: { url: 'file:/tmp/tessera-mail' } })), true)
  assert.equal(hasDevMailbox(config({ env: 'development', email: { url: 'smtp://mail.example.com' } })), false)
  assert.equal(hasDevMailbox(config({ env: 'test' })), false)
})

test('linkify: only http(s) links become anchors, everything else is escaped text', () => {
  assert.equal(linkify('Open http://a.example/#/x?y=1&z="2" now.'), 'Open <a href="http://a.example/#/x?y=1&amp;z=">http://a.example/#/x?y=1&amp;z=</a>&quot;2&quot; now.')
  assert.equal(linkify('See https://a.example/p.'), 'See <a href="https://a.example/p">https://a.example/p</a>.')
  assert.equal(linkify('javascript:alert(1) <b>x</b>'), 'javascript:alert(1) &lt;b&gt;x&lt;/b&gt;')
})
