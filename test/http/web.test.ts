import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../support/app.js'

let t: TestApp
before(async () => {
  t = await createTestApp({ API_PREFIX: '/auth-api', ACCESS_TOKEN_LIFETIME: '5m' })
})
after(() => t.close())

test('the demo page carries the server settings in meta tags and a CSP without inline script or style', async () => {
  const response = await t.app.inject({ url: '/' })
  assert.equal(response.statusCode, 200)
  assert.match(response.headers['content-type'] as string, /^text\/html/)
  assert.match(response.body, /<meta name="tessera-api-prefix" content="\/auth-api">/)
  assert.match(response.body, /<meta name="tessera-access-lifetime" content="300">/)
  assert.doesNotMatch(response.body, /\{\{/)
  const csp = response.headers['content-security-policy'] as string
  assert.match(csp, /default-src 'none'/)
  assert.match(csp, /script-src 'self'(;|$)/)
  assert.match(csp, /style-src 'self'(;|$)/)
  assert.match(csp, /frame-ancestors 'none'/)
  assert.doesNotMatch(csp, /unsafe/)
  // The page itself has no inline script for the CSP to have to allow.
  assert.doesNotMatch(response.body, /<script(?![^>]*\bsrc=)[^>]*>/)
})

test('serves the page assets with their types', async () => {
  for (const [url, type] of [['/assets/app.js', 'text/javascript'], ['/assets/style.css', 'text/css']] as const) {
    const response = await t.app.inject({ url })
    assert.equal(response.statusCode, 200, url)
    assert.ok((response.headers['content-type'] as string).startsWith(type), url)
    assert.equal(response.headers['x-content-type-options'], 'nosniff')
  }
})

test('path traversal and other file names under /assets/ are a 404, never a file outside the folder', async () => {
  for (const url of ['/assets/..%2Fpackage.json', '/assets/%2e%2e%2fpackage.json', '/assets/client/..%2F..%2Fpackage.json', '/assets/index.html', '/assets/app.js.map', '/assets/client/index.d.ts', '/assets/nope.js', '/assets/.env']) {
    const response = await t.app.inject({ url })
    assert.equal(response.statusCode, 404, url)
    assert.deepEqual(response.json(), { detail: 'Not found.' }, url)
  }
})

test('the served client imports @simplewebauthn/browser from this origin, which serves its modules and nothing else', async () => {
  const { execFileSync } = await import('node:child_process')
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/browser/tsconfig.client.json'], { stdio: 'ignore' })
  const factors = await t.app.inject({ url: '/assets/client/factors.js' })
  assert.equal(factors.statusCode, 200)
  assert.match(factors.body, /import\('\/assets\/vendor\/simplewebauthn-browser\/index\.js'\)/)
  assert.doesNotMatch(factors.body, /'@simplewebauthn\/browser'/)
  for (const url of ['/assets/vendor/simplewebauthn-browser/index.js', '/assets/vendor/simplewebauthn-browser/methods/startRegistration.js']) {
    const response = await t.app.inject({ url })
    assert.equal(response.statusCode, 200, url)
    assert.ok((response.headers['content-type'] as string).startsWith('text/javascript'), url)
  }
  for (const url of ['/assets/vendor/simplewebauthn-browser/../package.json', '/assets/vendor/simplewebauthn-browser/..%2F..%2Fpackage.json', '/assets/vendor/simplewebauthn-browser/index.d.ts', '/assets/vendor/simplewebauthn-browser/a/b/c.js']) {
    assert.equal((await t.app.inject({ url })).statusCode, 404, url)
  }
})
