import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveConfig } from '../../src/config/index.js'

const SECRET_KEY = 'test-secret-key-that-is-long-enough-for-hs256-0123456789'

test('CORS_ALLOW_ALL_ORIGINS=true is refused at start: credentials and `*` do not go together', () => {
  for (const env of [{ CORS_ALLOW_ALL_ORIGINS: 'true' }, { CORS_ALLOW_ALL_ORIGINS: 'true', CORS_ALLOWED_ORIGINS: 'https://app.example.com' }]) {
    assert.throws(() => resolveConfig({ SECRET_KEY, ...env }), (error: Error) => {
      assert.match(error.message, /^cors\.allowAllOrigins \(CORS_ALLOW_ALL_ORIGINS\)=true is refused: Tessera's CORS always allows credentials/)
      assert.match(error.message, /browsers refuse 'Access-Control-Allow-Origin: \*' with credentials/)
      assert.match(error.message, /list your front ends in cors\.allowedOrigins \(CORS_ALLOWED_ORIGINS\)$/)
      return true
    })
  }
  assert.deepEqual(resolveConfig({ SECRET_KEY, CORS_ALLOW_ALL_ORIGINS: 'false' }).cors.allowedOrigins, [])
  assert.throws(() => resolveConfig({ SECRET_KEY, CORS_ALLOW_ALL_ORIGINS: 'maybe' }), /CORS_ALLOW_ALL_ORIGINS/)
  // A wildcard cannot sneak in through the allow-list either.
  assert.throws(() => resolveConfig({ SECRET_KEY, CORS_ALLOWED_ORIGINS: '*' }), /CORS_ALLOWED_ORIGINS\) entry '\*'/)
})

test("CORS_ALLOW_HEADERS: django-cors-headers' list by default, lower-cased, the CSRF header always in; bad names refused", () => {
  assert.deepEqual(resolveConfig({ SECRET_KEY }).cors.allowHeaders, ['accept', 'authorization', 'content-type', 'user-agent', 'x-csrftoken', 'x-requested-with'])
  assert.deepEqual(resolveConfig({ SECRET_KEY, CORS_ALLOW_HEADERS: 'Content-Type, X-Api-Key' }).cors.allowHeaders, ['content-type', 'x-api-key', 'x-csrftoken'])
  assert.throws(() => resolveConfig({ SECRET_KEY, CORS_ALLOW_HEADERS: 'content-type,x:y' }), /cors\.allowHeaders \(CORS_ALLOW_HEADERS\) entry 'x:y' is not a header name/)
})

test('APPEND_SLASH on by default; MULTIPART_MAX_FIELDS and MULTIPART_MAX_FIELD_SIZE bounded', () => {
  const config = resolveConfig({ SECRET_KEY })
  assert.equal(config.appendSlash, true)
  assert.deepEqual(config.multipart, { maxFields: 50, maxFieldSize: 16384 })
  assert.equal(resolveConfig({ SECRET_KEY, APPEND_SLASH: 'false' }).appendSlash, false)
  assert.throws(() => resolveConfig({ SECRET_KEY, MULTIPART_MAX_FIELDS: '0' }), /multipart\.maxFields \(MULTIPART_MAX_FIELDS\)/)
  assert.throws(() => resolveConfig({ SECRET_KEY, MULTIPART_MAX_FIELD_SIZE: '10' }), /multipart\.maxFieldSize \(MULTIPART_MAX_FIELD_SIZE\)/)
})
