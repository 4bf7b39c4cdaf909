import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, createUser, type TestApp } from '../support/app.js'
import { cookieHeader, cookiesOf, LOGIN, PASSWORD, USER } from './helpers.js'

const wrongPassword = (t: TestApp, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url: LOGIN, headers, payload: { username: 'alice', password: 'not it' } })

describe('LANGUAGE_CODE: Django’s, DRF’s and SimpleJWT’s messages in their own translations', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ LANGUAGE_CODE: 'ru' })
    await createUser(t)
  })
  after(() => t.close())

  test('SimpleJWT’s and DRF’s detail in Russian for every request, Accept-Language ignored; the code never changes', async () => {
    const failed = await wrongPassword(t, { 'accept-language': 'de' })
    assert.equal(failed.statusCode, 401)
    assert.deepEqual(failed.json(), { detail: 'Не найдено активной учетной записи с указанными данными', code: 'no_active_account' })
    const anonymous = await t.app.inject({ url: USER })
    assert.equal(anonymous.json().detail, 'Учетные данные не были предоставлены.')
    assert.equal(anonymous.json().code, 'not_authenticated')
  })

  test('field errors too', async () => {
    const missing = await t.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice' } })
    assert.deepEqual(missing.json(), { password: ['Обязательное поле.'] })
  })
})

describe('LOCALE_MIDDLEWARE=true: the language of each request, by Django’s LocaleMiddleware', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ LOCALE_MIDDLEWARE: 'true' })
    await createUser(t)
  })
  after(() => t.close())

  const anonymous = (headers: Record<string, string> = {}) => t.app.inject({ url: USER, headers })

  test('Accept-Language chooses German, the django_language cookie wins over it, and no header means LANGUAGE_CODE', async () => {
    const german = await anonymous({ 'accept-language': 'de-CH,de;q=0.9,en;q=0.5' })
    assert.deepEqual(german.json(), { detail: 'Anmeldedaten fehlen.', code: 'not_authenticated' })
    assert.equal(german.headers['content-language'], 'de')
    assert.equal((await anonymous({ 'accept-language': 'de', cookie: 'django_language=fr' })).json().detail, "Informations d'authentification non fournies.")
    assert.equal((await wrongPassword(t, { 'accept-language': 'ru' })).json().detail, 'Не найдено активной учетной записи с указанными данными')
    assert.equal((await anonymous()).json().detail, 'Authentication credentials were not provided.')
    assert.equal((await anonymous({ 'accept-language': 'xx-YY,;;;' })).json().detail, 'Authentication credentials were not provided.')
  })
})

describe('LANGUAGE_CODE with ROUTE_PROFILE=dj-rest-auth: its success messages too', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ LANGUAGE_CODE: 'de', ROUTE_PROFILE: 'dj-rest-auth' })
    await createUser(t)
  })
  after(() => t.close())

  test('logout answers dj-rest-auth’s German', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/accounts/login/', payload: { username: 'alice', password: PASSWORD } })
    const c = cookiesOf(login)
    const csrf = c.csrftoken!.value
    const out = await t.app.inject({ method: 'POST', url: '/accounts/logout/', headers: { cookie: cookieHeader({ access_token: c.access_token!.value, refresh_token: c.refresh_token!.value, csrftoken: csrf }), 'x-csrftoken': csrf } })
    assert.deepEqual(out.json(), { detail: 'Erfolgreich ausgeloggt.' })
  })
})
