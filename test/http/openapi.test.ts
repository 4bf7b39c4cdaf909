import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, type TestApp } from '../support/app.js'

describe('OpenAPI and Swagger UI', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  test('/accounts/openapi.json is an OpenAPI 3 document listing every contract route with its method', async () => {
    const response = await t.app.inject({ url: '/accounts/openapi.json' })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^application\/json/)
    const doc = response.json()
    assert.match(doc.openapi, /^3\./)
    const routes: [string, string][] = [
      ['get', '/accounts/csrf_token/'],
      ['post', '/accounts/auth/login/'],
      ['post', '/accounts/auth/refresh_token/'],
      ['post', '/accounts/auth/logout/'],
      ['get', '/accounts/user/'],
    ]
    for (const [method, path] of routes) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`)
  })

  test('login documents its JSON body (username, password required) and its error responses', async () => {
    const doc = (await t.app.inject({ url: '/accounts/openapi.json' })).json()
    const login = doc.paths['/accounts/auth/login/'].post
    const schema = login.requestBody.content['application/json'].schema
    assert.deepEqual([...schema.required].sort(), ['password', 'username'])
    assert.ok(login.responses['200'])
    assert.ok(login.responses['401'])
    assert.ok(login.responses['400'])
  })

  test('the user route documents its response fields and its security schemes', async () => {
    const doc = (await t.app.inject({ url: '/accounts/openapi.json' })).json()
    const user = doc.paths['/accounts/user/'].get
    const schema = user.responses['200'].content['application/json'].schema
    assert.deepEqual(Object.keys(schema.properties).sort(), ['email', 'email_verified', 'first_name', 'id', 'last_name', 'username'])
    assert.ok(doc.components.securitySchemes.cookieAuth)
    assert.ok(doc.components.securitySchemes.bearerAuth)
  })

  test('internal routes (405 fallbacks, the document itself) are not listed', async () => {
    const doc = (await t.app.inject({ url: '/accounts/openapi.json' })).json()
    assert.equal(doc.paths['/accounts/openapi.json'], undefined)
    assert.equal(doc.paths['/accounts/auth/login/'].get, undefined)
  })

  test('/docs serves Swagger UI', async () => {
    let response = await t.app.inject({ url: '/docs' })
    if (response.statusCode >= 300 && response.statusCode < 400) response = await t.app.inject({ url: String(response.headers.location) })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /text\/html/)
    assert.match(response.body, /Swagger UI/)
    const assets = await t.app.inject({ url: '/docs/static/swagger-ui-bundle.js' })
    assert.equal(assets.statusCode, 200)
  })
})
