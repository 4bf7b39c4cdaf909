import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { loginCookies, PASSWORD } from './helpers.js'

describe('APPEND_SLASH (on by default), as Django’s CommonMiddleware', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await createUser(t)
  })
  after(() => t.close())

  test('a GET or HEAD to a route without its slash is a 301 to it, the query string kept', async () => {
    for (const method of ['GET', 'HEAD'] as const) {
      const response = await t.app.inject({ method, url: '/accounts/user' })
      assert.equal(response.statusCode, 301, method)
      assert.equal(response.headers.location, '/accounts/user/')
    }
    const withQuery = await t.app.inject({ url: '/accounts/csrf_token?next=%2Fhome&x=1' })
    assert.equal(withQuery.statusCode, 301)
    assert.equal(withQuery.headers.location, '/accounts/csrf_token/?next=%2Fhome&x=1')
    // A route with a parameter too, and a route that only takes POST (the redirect then meets its 405, as in Django).
    assert.equal((await t.app.inject({ url: '/accounts/sessions/abc' })).headers.location, '/accounts/sessions/abc/')
    assert.equal((await t.app.inject({ url: '/accounts/auth/login' })).headers.location, '/accounts/auth/login/')
  })

  test('followed, the redirect reaches the route with the cookies (a front end calling `user` works)', async () => {
    const { access } = await loginCookies(t)
    const first = await t.app.inject({ url: '/accounts/user', headers: { cookie: `access_token=${access}` } })
    const followed = await t.app.inject({ url: first.headers.location as string, headers: { cookie: `access_token=${access}` } })
    assert.equal(followed.statusCode, 200)
    assert.equal(followed.json().username, 'alice')
  })

  test('an unsafe method without the slash is a 404 that names the route (a redirect would lose the body)', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const response = await t.app.inject({ method, url: '/accounts/auth/login', payload: { username: 'alice', password: PASSWORD } })
      assert.equal(response.statusCode, 404, method)
      assert.deepEqual(response.json(), { detail: `Not found. You called this URL via ${method}, but it does not end in a slash: call /accounts/auth/login/ (note the trailing slash).` })
      assert.equal(response.headers['set-cookie'], undefined)
    }
  })

  test('unknown paths stay plain 404s; a protocol-relative path is never a redirect', async () => {
    for (const url of ['/accounts/nothing', '/accounts/user/extra', '//accounts/user']) {
      const response = await t.app.inject({ url })
      assert.equal(response.statusCode, 404, url)
      assert.deepEqual(response.json(), { detail: 'Not found.' }, url)
      assert.equal(response.headers.location, undefined, url)
    }
  })
})

test('APPEND_SLASH=false: the slash-less path is a plain 404 for every method', async () => {
  const t = await createTestApp({ APPEND_SLASH: 'false' })
  try {
    for (const method of ['GET', 'POST'] as const) {
      const response = await t.app.inject({ method, url: '/accounts/user' })
      assert.equal(response.statusCode, 404)
      assert.deepEqual(response.json(), { detail: 'Not found.' })
    }
  } finally {
    await t.close()
  }
})
