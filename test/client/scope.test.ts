import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createRequestScope } from '../../src/client/scope.js'

const PAGE = 'https://app.example.com/notes/'

describe('which requests the client treats as the API', () => {
  const sameOrigin = createRequestScope('https://app.example.com', undefined, PAGE)

  test("the API's origin, relative or absolute, as a string, URL or Request-like object", () => {
    for (const input of ['/api/notes', 'api/notes', '?page=2', 'https://app.example.com/api/', 'HTTPS://APP.EXAMPLE.COM:443/x', new URL('https://app.example.com/x'), { url: 'https://app.example.com/x' }]) {
      assert.equal(sameOrigin.covers(input), true, String(input))
    }
  })

  test('another origin is never covered: another host, scheme, port, a protocol-relative URL, look-alikes, opaque URLs', () => {
    const others = [
      'https://evil.example/collect',
      '//evil.example/collect',
      'http://app.example.com/api/',
      'https://app.example.com:8443/api/',
      'https://app.example.com.evil.example/',
      'https://app.example.com@evil.example/',
      'data:text/plain,hi',
      'blob:https://evil.example/1',
      'javascript:alert(1)',
      { url: 'https://evil.example/' },
    ]
    for (const input of others) assert.equal(sameOrigin.covers(input), false, String(input))
  })

  test('inputs without a URL pass through', () => {
    for (const input of [undefined, null, 42, {}, 'http://[bad']) assert.equal(sameOrigin.covers(input), false, String(input))
  })

  test('an API on another origin: relative URLs are the page\'s, not the API\'s, unless the page is allow-listed', () => {
    const crossOrigin = createRequestScope('https://api.example.com', undefined, PAGE)
    assert.equal(crossOrigin.covers('/api/notes'), false)
    assert.equal(crossOrigin.covers('https://api.example.com/notes'), true)
    const listed = createRequestScope('https://api.example.com', ['https://app.example.com', 'https://files.example.com/'], PAGE)
    assert.equal(listed.covers('/api/notes'), true)
    assert.equal(listed.covers('https://files.example.com/upload'), true)
    assert.equal(listed.covers('https://evil.example/'), false)
  })

  test('outside a browser a relative URL has no origin and passes through', () => {
    assert.equal(createRequestScope('https://api.example.com', undefined, undefined).covers('/accounts/user/'), false)
  })

  test('allowedOrigins takes origins only, and says so', () => {
    for (const bad of ['api.example.com', 'https://api.example.com/v1', 'https://api.example.com/?x', 'https://u:p@api.example.com', '*', 'null', 'data:,x']) {
      assert.throws(() => createRequestScope('https://app.example.com', [bad], PAGE), /allowedOrigins must hold origins like 'https:\/\/api\.example\.com' \(got /, bad)
    }
  })
})
