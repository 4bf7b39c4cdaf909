import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createClient, DEFAULT_ROUTES } from '../../src/client/index.js'
import { resolveConfig } from '../../src/config/index.js'

/** A fetch that records each call and answers JSON: a CSRF token under `csrfToken`, `[]` for lists, `{}` otherwise. */
function recordingFetch() {
  const calls: { method: string; url: string; csrf: string | null }[] = []
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input)
    calls.push({ method: init.method ?? 'GET', url, csrf: new Headers(init.headers).get('x-csrftoken') })
    const body = url.endsWith('/csrf/') ? { csrfToken: 'masked-token' } : url.endsWith('/credentials/') || url.endsWith('/sessions') ? [] : {}
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
  }
  return { calls, fetch: fetch as typeof globalThis.fetch }
}

describe('createClient({ routes, csrfTokenKey }): the client calls the paths the server was given', () => {
  test('moved routes, a CSRF token read under its configured key, and item paths built on a list path without a slash', async () => {
    const { calls, fetch } = recordingFetch()
    const client = createClient({
      baseUrl: 'https://api.example.com/api',
      fetch,
      channelName: 'routes-test',
      csrfTokenKey: 'csrfToken',
      routes: { login: 'token/', logout: 'token/blacklist/', csrfToken: 'csrf/', sessions: 'my/sessions', webauthnCredentials: 'keys/credentials/' },
    })
    await client.login('alice', 'correct horse battery')
    await client.sessions()
    await client.revokeSession('abc')
    await client.passkeys.list()
    await client.logout()
    const seen = calls.map((c) => `${c.method} ${c.url}`)
    for (const expected of ['GET https://api.example.com/api/csrf/', 'POST https://api.example.com/api/token/', 'GET https://api.example.com/api/my/sessions', 'DELETE https://api.example.com/api/my/sessions/abc/', 'GET https://api.example.com/api/keys/credentials/', 'POST https://api.example.com/api/token/blacklist/']) {
      assert.ok(seen.includes(expected), `${expected} in\n${seen.join('\n')}`)
    }
    assert.ok(!seen.some((call) => call.includes('/auth/')), seen.join('\n'))
    assert.equal(calls.find((c) => c.method === 'POST' && c.url.endsWith('/token/blacklist/'))?.csrf, 'masked-token', 'the token from the csrfToken key')
  })
})

describe("the client's default routes", () => {
  test("are the server's seed table (the client is built alone, without the server's config, so the table is written twice: this keeps them one)", () => {
    const seed = resolveConfig({ SECRET_KEY: 'client-routes-test-secret-key-0123456789abcdef' }).routes
    for (const [name, path] of Object.entries(DEFAULT_ROUTES)) assert.equal(`/${path}`, seed[name as keyof typeof seed].path, name)
  })
})
