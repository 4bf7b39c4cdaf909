import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, cookiesOf, LOGIN, loginCookies, LOGOUT, PASSWORD } from './helpers.js'

/** A body exactly as a browser's fetch encodes a FormData. */
async function formData(entries: Array<[string, string | Blob, string?]>): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData()
  for (const [name, value, fileName] of entries) {
    if (typeof value === 'string') form.append(name, value)
    else form.append(name, value, fileName)
  }
  const request = new Request('http://localhost/', { method: 'POST', body: form })
  return { payload: Buffer.from(await request.arrayBuffer()), headers: { 'content-type': request.headers.get('content-type')! } }
}

/** A hand-made multipart body, for what a browser would never send. */
function rawMultipart(parts: string[], boundary = 'tessera-boundary'): { payload: string; headers: Record<string, string> } {
  return { payload: `${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}
const field = (name: string, value: string) => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`

describe('multipart/form-data bodies (DRF’s MultiPartParser), fields only, with strict limits', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ MULTIPART_MAX_FIELDS: '5', MULTIPART_MAX_FIELD_SIZE: '256', BODY_LIMIT: '4096' })
    await createUser(t)
  })
  after(() => t.close())
  const post = (url: string, body: { payload: string | Buffer; headers: Record<string, string> }, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: body.payload, headers: { ...body.headers, ...headers } })

  test('a multipart login works as a JSON one: 200 {} and the cookies', async () => {
    const response = await post(LOGIN, await formData([['username', 'alice'], ['password', PASSWORD]]))
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(response.json(), {})
    const cookies = cookiesOf(response)
    assert.ok(cookies.access_token?.value && cookies.refresh_token?.value && cookies.csrftoken?.value)
    const wrong = await post(LOGIN, await formData([['username', 'alice'], ['password', 'not it']]))
    assert.equal(wrong.statusCode, 401)
    const missing = await post(LOGIN, await formData([['username', 'alice']]))
    assert.deepEqual({ status: missing.statusCode, body: missing.json() }, { status: 400, body: { password: ['This field is required.'] } })
  })

  test('a cross-site form may send multipart without a preflight: a login from a foreign Origin is still refused', async () => {
    const response = await post(LOGIN, await formData([['username', 'alice'], ['password', PASSWORD]]), { origin: 'https://evil.example' })
    assert.equal(response.statusCode, 403)
    assert.match(response.json().detail, /^CSRF Failed: Origin checking failed - https:\/\/evil\.example does not match any trusted origins\./)
    assert.equal(cookiesOf(response).access_token, undefined)
  })

  test('a file part is a 400 that says so; nothing is logged in', async () => {
    const response = await post(LOGIN, await formData([['username', 'alice'], ['password', PASSWORD], ['avatar', new Blob(['GIF89a']), 'x.gif']]))
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json(), { detail: "Multipart form parse error - file uploads are not accepted (the part 'avatar' is a file)." })
    assert.equal(cookiesOf(response).access_token, undefined)
  })

  test('limits: too many fields, a field too long, a body over BODY_LIMIT; each a clear 4xx', async () => {
    const many = await post(LOGIN, await formData(Array.from({ length: 6 }, (_, i) => [`f${i}`, 'x'] as [string, string])))
    assert.deepEqual({ status: many.statusCode, body: many.json() }, { status: 400, body: { detail: 'Multipart form parse error - more than 5 fields.' } })
    const long = await post(LOGIN, await formData([['username', 'alice'], ['password', 'p'.repeat(257)]]))
    assert.deepEqual({ status: long.statusCode, body: long.json() }, { status: 400, body: { detail: "Multipart form parse error - the field 'password' is longer than 256 bytes." } })
    const huge = await post(LOGIN, rawMultipart([field('username', 'alice'), `${field('pad', '')}${' '.repeat(5000)}`]))
    assert.deepEqual({ status: huge.statusCode, body: huge.json() }, { status: 413, body: { detail: 'Request body is too large.' } })
  })

  test('malformed bodies are 400s, never 500s', async () => {
    const cases = [
      { payload: 'no boundary at all', headers: { 'content-type': 'multipart/form-data' } },
      { payload: '--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice', headers: { 'content-type': 'multipart/form-data; boundary=b' } },
      { payload: 'garbage', headers: { 'content-type': 'multipart/form-data; boundary=b' } },
    ]
    for (const body of cases) {
      const response = await post(LOGIN, body)
      assert.equal(response.statusCode, 400, response.body)
      assert.match(response.json().detail, /^Multipart form parse error - (Multipart: Boundary not found|Unexpected end of multipart data)$/)
    }
    // An empty body is no data, as an empty JSON one.
    const empty = await post(LOGIN, { payload: '', headers: { 'content-type': 'multipart/form-data; boundary=b' } })
    assert.equal(empty.statusCode, 400)
    assert.deepEqual(Object.keys(empty.json()).sort(), ['password', 'username'])
  })

  test('a repeated field is a list, refused as a form-encoded one is; prototype keys are dropped', async () => {
    const repeated = await post(LOGIN, rawMultipart([field('username', 'alice'), field('username', 'bob'), field('password', PASSWORD)]))
    assert.deepEqual({ status: repeated.statusCode, body: repeated.json() }, { status: 400, body: { username: ['Not a valid string.'] } })
    const poisoned = await post(LOGIN, rawMultipart([field('__proto__', 'x'), field('username', 'alice'), field('password', PASSWORD)]))
    assert.equal(poisoned.statusCode, 200, poisoned.body)
  })

  test('the csrfmiddlewaretoken form field counts in a multipart body, as in Django’s request.POST; without it a cookie logout is refused', async () => {
    const { access, refresh, csrf } = await loginCookies(t)
    const cookie = cookieHeader({ access_token: access, refresh_token: refresh, csrftoken: csrf })
    const refused = await post(LOGOUT, await formData([['x', '1']]), { cookie })
    assert.equal(refused.statusCode, 403)
    assert.match(refused.json().detail, /^CSRF Failed: CSRF token missing\./)
    const accepted = await post(LOGOUT, await formData([['csrfmiddlewaretoken', csrf]]), { cookie })
    assert.equal(accepted.statusCode, 200, accepted.body)
  })
})
