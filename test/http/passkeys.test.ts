import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SoftAuthenticator } from '../support/authenticator.js'
import { createUser, Jar } from '../support/app.js'
import { cookiesOf, PASSWORD, USER } from './helpers.js'
import { subjects, VERIFY, withClockApp } from './mfa-support.js'

const ORIGIN = 'http://localhost:8000'
const ENV = { WEBAUTHN_ORIGIN: ORIGIN }
const REGISTER_OPTIONS = '/accounts/auth/webauthn/register/options/'
const REGISTER = '/accounts/auth/webauthn/register/'
const CREDENTIALS = '/accounts/auth/webauthn/credentials/'
const LOGIN_OPTIONS = '/accounts/auth/webauthn/login/options/'
const LOGIN = '/accounts/auth/webauthn/login/'
const NO_CHALLENGE = { detail: 'The passkey challenge has expired or was asked for elsewhere: ask for a new one.' }
const INVALID = { credential: ['Invalid passkey.'] }

async function registerPasskey(jar: Jar, authenticator: SoftAuthenticator, name = 'Laptop') {
  const options = (await jar.request('POST', REGISTER_OPTIONS, { body: {}, csrf: true })).json()
  const response = await jar.request('POST', REGISTER, { body: { credential: authenticator.create(options), name }, csrf: true })
  assert.equal(response.statusCode, 201, response.body)
  return response.json() as { id: string; name: string; created: string }
}

async function passwordless(jar: Jar, authenticator: SoftAuthenticator, body: object = {}) {
  const options = (await jar.request('POST', LOGIN_OPTIONS, { body })).json()
  return jar.request('POST', LOGIN, { body: { credential: authenticator.get(options) } })
}

test('a passkey is registered while signed in (discoverable, user verification required), listed with its name and last use', () =>
  withClockApp(ENV, async (t) => {
    await createUser(t, 'alice', PASSWORD, { email: 'alice@example.com' })
    const jar = new Jar(t.app)
    await jar.login()
    const asked = await jar.request('POST', REGISTER_OPTIONS, { body: {}, csrf: true })
    assert.equal(asked.statusCode, 200)
    const options = asked.json()
    assert.equal(options.rp.id, 'localhost')
    assert.equal(options.user.name, 'alice')
    assert.deepEqual(options.authenticatorSelection, { residentKey: 'required', userVerification: 'required', requireResidentKey: true })
    assert.deepEqual(cookiesOf(asked).webauthn_challenge?.attributes, { 'max-age': '300', path: '/accounts/auth/', httponly: true, samesite: 'Lax' })
    const authenticator = new SoftAuthenticator(ORIGIN)
    const credential = authenticator.create(options)
    const created = await jar.request('POST', REGISTER, { body: { credential, name: 'Laptop' }, csrf: true })
    assert.equal(created.statusCode, 201, created.body)
    assert.deepEqual(Object.keys(created.json()).sort(), ['created', 'id', 'name'])
    assert.equal(created.json().name, 'Laptop')
    // The challenge was used: the same answer again finds none.
    assert.deepEqual((await jar.request('POST', REGISTER, { body: { credential, name: 'Again' }, csrf: true })).json(), NO_CHALLENGE)
    const listed = (await jar.request('GET', CREDENTIALS)).json()
    assert.deepEqual(listed, [{ id: created.json().id, name: 'Laptop', created: created.json().created, last_used: null }])
    assert.deepEqual(await subjects(t, 1), ['A second factor was added to your account on Tessera'])
    assert.equal((await passwordless(new Jar(t.app), authenticator)).statusCode, 200)
    assert.notEqual((await jar.request('GET', CREDENTIALS)).json()[0].last_used, null)
  }))

test('registration refuses a credential registered twice, a forged origin or RP ID, no user verification, a missing challenge and malformed bodies: 400, never 500', () =>
  withClockApp(ENV, async (t) => {
    await createUser(t)
    await createUser(t, 'bob')
    const jar = new Jar(t.app)
    await jar.login()
    const authenticator = new SoftAuthenticator(ORIGIN)
    await registerPasskey(jar, authenticator)
    const attempt = async (make: (options: Record<string, unknown>) => unknown) => {
      const options = (await jar.request('POST', REGISTER_OPTIONS, { body: {}, csrf: true })).json()
      const response = await jar.request('POST', REGISTER, { body: { credential: make(options) }, csrf: true })
      return { status: response.statusCode, body: response.json() }
    }
    assert.deepEqual(await attempt((o) => authenticator.create(o, {}, authenticator.credentials[0])), { status: 400, body: { credential: ['This passkey is already registered.'] } })
    assert.deepEqual(await attempt((o) => authenticator.create(o, { origin: 'https://evil.example' })), { status: 400, body: INVALID })
    assert.deepEqual(await attempt((o) => authenticator.create(o, { rpId: 'evil.example' })), { status: 400, body: INVALID })
    assert.deepEqual(await attempt((o) => authenticator.create(o, { noUv: true })), { status: 400, body: INVALID })
    assert.deepEqual(await attempt((o) => authenticator.create(o, { challenge: 'c3dhcHBlZA' })), { status: 400, body: INVALID })
    assert.deepEqual(await attempt(() => ({})), { status: 400, body: INVALID })
    assert.deepEqual(await attempt(() => ({ id: 1, response: 'x' })), { status: 400, body: INVALID })
    assert.equal((await attempt(() => 'not an object')).status, 400)
    const fresh = new Jar(t.app)
    await fresh.login('bob')
    const noChallenge = await fresh.request('POST', REGISTER, { body: { credential: authenticator.create({ challenge: 'x', user: { id: 'x' } }) }, csrf: true })
    assert.deepEqual({ status: noChallenge.statusCode, body: noChallenge.json() }, { status: 400, body: NO_CHALLENGE })
    assert.equal((await new Jar(t.app).request('POST', REGISTER_OPTIONS, { body: {} })).statusCode, 401)
    assert.equal((await jar.request('GET', CREDENTIALS)).json().length, 1)
  }))

test('passwordless login: a replayed assertion, a swapped challenge, a lower counter, no user verification, an unknown credential are refused', () =>
  withClockApp(ENV, async (t) => {
    await createUser(t)
    const jar = new Jar(t.app)
    await jar.login()
    const authenticator = new SoftAuthenticator(ORIGIN)
    await registerPasskey(jar, authenticator)
    const client = new Jar(t.app)
    const options = (await client.request('POST', LOGIN_OPTIONS, { body: {} })).json()
    assert.deepEqual([options.allowCredentials, options.userVerification, options.rpId], [[], 'required', 'localhost'])
    const assertion = authenticator.get(options)
    const first = await client.request('POST', LOGIN, { body: { credential: assertion } })
    assert.deepEqual({ status: first.statusCode, body: first.json() }, { status: 200, body: {} })
    assert.ok(cookiesOf(first).access_token?.value && cookiesOf(first).csrftoken?.value)
    assert.equal((await client.request('GET', USER)).json().username, 'alice')
    // Replayed: its challenge is spent; with a fresh challenge cookie, the signature is over the old one.
    assert.deepEqual((await client.request('POST', LOGIN, { body: { credential: assertion } })).json(), NO_CHALLENGE)
    await client.request('POST', LOGIN_OPTIONS, { body: {} })
    assert.deepEqual((await client.request('POST', LOGIN, { body: { credential: assertion } })).json(), INVALID)
    // Swapped: answered for challenge A, sent with the cookie of challenge B.
    const a = (await client.request('POST', LOGIN_OPTIONS, { body: {} })).json()
    await client.request('POST', LOGIN_OPTIONS, { body: {} })
    assert.deepEqual((await client.request('POST', LOGIN, { body: { credential: authenticator.get(a) } })).json(), INVALID)
    const lower = (await client.request('POST', LOGIN_OPTIONS, { body: {} })).json()
    assert.deepEqual((await client.request('POST', LOGIN, { body: { credential: authenticator.get(lower, { counter: 1 }) } })).json(), INVALID)
    const noUv = (await client.request('POST', LOGIN_OPTIONS, { body: {} })).json()
    assert.deepEqual((await client.request('POST', LOGIN, { body: { credential: authenticator.get(noUv, { noUv: true, counter: 50 }) } })).json(), INVALID)
    const stranger = new SoftAuthenticator(ORIGIN)
    stranger.create({ challenge: 'x', user: { id: 'eA' } })
    const unknown = (await client.request('POST', LOGIN_OPTIONS, { body: {} })).json()
    assert.deepEqual((await client.request('POST', LOGIN, { body: { credential: stranger.get(unknown) } })).json(), INVALID)
    const otherRp = (await client.request('POST', LOGIN_OPTIONS, { body: {} })).json()
    assert.deepEqual((await client.request('POST', LOGIN, { body: { credential: authenticator.get(otherRp, { rpId: 'evil.example', counter: 60 }) } })).json(), INVALID)
    assert.deepEqual((await client.request('POST', LOGIN, { body: { credential: { id: 'x' } } })).json(), NO_CHALLENGE)
    assert.equal((await passwordless(client, authenticator)).statusCode, 200, 'the passkey still works after the refusals')
  }))

test('a challenge expires after WEBAUTHN_CHALLENGE_LIFETIME, for registration and for login', () =>
  withClockApp({ ...ENV, WEBAUTHN_CHALLENGE_LIFETIME: '1m', REAUTH_WINDOW: '10m' }, async (t, clock) => {
    await createUser(t)
    const jar = new Jar(t.app)
    await jar.login()
    const authenticator = new SoftAuthenticator(ORIGIN)
    const options = (await jar.request('POST', REGISTER_OPTIONS, { body: {}, csrf: true })).json()
    assert.equal(options.timeout, 60_000)
    clock.ms += 61_000
    assert.deepEqual((await jar.request('POST', REGISTER, { body: { credential: authenticator.create(options) }, csrf: true })).json(), NO_CHALLENGE)
    authenticator.credentials.length = 0
    await registerPasskey(jar, authenticator)
    const client = new Jar(t.app)
    const login = (await client.request('POST', LOGIN_OPTIONS, { body: {} })).json()
    clock.ms += 61_000
    const late = await client.request('POST', LOGIN, { body: { credential: authenticator.get(login) } })
    assert.deepEqual({ status: late.statusCode, body: late.json() }, { status: 400, body: NO_CHALLENGE })
  }))

test('passkey-login challenges are bounded per address by RATE_LIMIT_IP_PER_MINUTE (429 with Retry-After)', () =>
  withClockApp({ ...ENV, RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '3' }, async (t) => {
    const jar = new Jar(t.app)
    for (let i = 0; i < 3; i++) assert.equal((await jar.request('POST', LOGIN_OPTIONS, { body: {} })).statusCode, 200)
    const refused = await jar.request('POST', LOGIN_OPTIONS, { body: {} })
    assert.equal(refused.statusCode, 429)
    assert.ok(Number(refused.headers['retry-after']) >= 1)
    assert.equal(await t.opened.db.selectFrom('auth_webauthn_challenge').select('id').execute().then((rows) => rows.length), 3)
  }))

test('login options for a username list its passkeys, and a stable decoy for a name without any', () =>
  withClockApp(ENV, async (t) => {
    await createUser(t)
    const jar = new Jar(t.app)
    await jar.login()
    const { id } = await registerPasskey(jar, new SoftAuthenticator(ORIGIN))
    const allowed = async (username: string) => (await jar.request('POST', LOGIN_OPTIONS, { body: { username } })).json().allowCredentials.map((c: { id: string }) => c.id)
    assert.deepEqual(await allowed('ALICE'), [id])
    const decoy = await allowed('nobody')
    assert.equal(decoy.length, 1)
    assert.deepEqual(await allowed('nobody'), decoy)
    assert.notDeepEqual(await allowed('somebody'), decoy)
  }))

test('a passkey is a second factor: the password step answers methods [webauthn], the options allow only that user\'s passkeys, another user\'s assertion is refused', () =>
  withClockApp(ENV, async (t) => {
    await createUser(t)
    await createUser(t, 'bob')
    const alice = new SoftAuthenticator(ORIGIN)
    const bob = new SoftAuthenticator(ORIGIN)
    const aliceJar = new Jar(t.app)
    await aliceJar.login()
    const { id } = await registerPasskey(aliceJar, alice)
    const bobJar = new Jar(t.app)
    await bobJar.login('bob')
    await registerPasskey(bobJar, bob)

    const jar = new Jar(t.app)
    assert.deepEqual((await jar.login()).json(), { mfa_required: true, methods: ['webauthn'] })
    const options = (await jar.request('POST', LOGIN_OPTIONS, { body: {} })).json()
    assert.deepEqual(options.allowCredentials.map((c: { id: string }) => c.id), [id])
    const wrong = await jar.request('POST', VERIFY, { body: { webauthn: bob.get(options) } })
    assert.deepEqual({ status: wrong.statusCode, body: wrong.json() }, { status: 400, body: { webauthn: ['Invalid passkey.'] } })
    const again = (await jar.request('POST', LOGIN_OPTIONS, { body: {} })).json()
    const done = await jar.request('POST', VERIFY, { body: { webauthn: alice.get(again) } })
    assert.deepEqual({ status: done.statusCode, body: done.json() }, { status: 200, body: {} })
    assert.equal((await jar.request('GET', USER)).json().username, 'alice')
    // A passwordless challenge cannot stand in for a second-factor one, nor the other way round.
    const other = new Jar(t.app)
    await other.login()
    const stale = (await new Jar(t.app).request('POST', LOGIN_OPTIONS, { body: {} })).json()
    assert.equal((await other.request('POST', VERIFY, { body: { webauthn: alice.get(stale) } })).statusCode, 400)
  }))

test('deleting a passkey (with a recent login) → 204, ends the other sessions and mails a notice; someone else\'s is 404', () =>
  withClockApp(ENV, async (t, clock) => {
    await createUser(t, 'alice', PASSWORD, { email: 'alice@example.com' })
    await createUser(t, 'bob')
    const jar = new Jar(t.app)
    await jar.login()
    const authenticator = new SoftAuthenticator(ORIGIN)
    const { id } = await registerPasskey(jar, authenticator)
    const other = new Jar(t.app)
    assert.equal((await passwordless(other, authenticator)).statusCode, 200)
    const bobJar = new Jar(t.app)
    await bobJar.login('bob')
    assert.equal((await bobJar.request('DELETE', `${CREDENTIALS}${id}/`, { body: {}, csrf: true })).statusCode, 404)
    clock.ms += 600_000
    const stale = await jar.request('DELETE', `${CREDENTIALS}${id}/`, { body: {}, csrf: true })
    assert.equal(stale.statusCode, 403, 'outside REAUTH_WINDOW the password is needed')
    assert.equal((await jar.request('DELETE', `${CREDENTIALS}${id}/`, { body: { password: PASSWORD }, csrf: true })).statusCode, 204)
    assert.deepEqual((await jar.request('GET', CREDENTIALS)).json(), [])
    assert.equal((await other.request('GET', USER)).statusCode, 401)
    assert.equal((await jar.request('DELETE', `${CREDENTIALS}${id}/`, { body: { password: PASSWORD }, csrf: true })).statusCode, 404)
    assert.deepEqual((await new Jar(t.app).login()).json(), {})
    assert.deepEqual((await subjects(t, 2)).at(-1), 'A second factor was removed from your account on Tessera')
  }))

test('the OpenAPI document lists every second-factor route with its method', () =>
  withClockApp({}, async (t) => {
    const doc = (await t.app.inject({ url: '/accounts/openapi.json' })).json()
    const routes: [string, string][] = [
      ['post', '/accounts/auth/mfa/totp/'],
      ['delete', '/accounts/auth/mfa/totp/'],
      ['post', '/accounts/auth/mfa/totp/activate/'],
      ['post', '/accounts/auth/mfa/verify/'],
      ['post', REGISTER_OPTIONS],
      ['post', REGISTER],
      ['get', CREDENTIALS],
      ['delete', '/accounts/auth/webauthn/credentials/{id}/'],
      ['post', LOGIN_OPTIONS],
      ['post', LOGIN],
    ]
    for (const [method, path] of routes) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`)
    assert.deepEqual(Object.keys(doc.paths['/accounts/auth/mfa/verify/'].post.requestBody.content['application/json'].schema.properties).sort(), ['code', 'recovery_code', 'webauthn'])
  }))
