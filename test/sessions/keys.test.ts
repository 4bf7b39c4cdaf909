import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { addKey } from '../../src/auth/index.js'
import { createTestApp, createUser, Jar, type TestApp } from '../support/app.js'
import { runtimeOf } from '../../src/http/index.js'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())
const payload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
const whoAmI = (t: TestApp, token: string) => t.app.inject({ url: '/accounts/user/', headers: { authorization: `Bearer ${token}` } })

for (const algorithm of ['EdDSA', 'ES256', 'RS256'] as const) {
  describe(`${algorithm} key ring`, () => {
    let t: TestApp
    before(async () => {
      t = await createTestApp({ JWT_ALGORITHM: algorithm })
      await createUser(t)
    })
    after(() => t.close())

    test('tokens are signed with the stored key and its kid; JWKS serves its public key', async () => {
      const jar = new Jar(t.app)
      await jar.login()
      const access = jar.get('access_token')!
      assert.equal(header(access).alg, algorithm)
      const jwks = await t.app.inject({ url: '/.well-known/jwks.json' })
      assert.equal(jwks.statusCode, 200)
      const keys = jwks.json().keys as { kid: string; alg: string; d?: string; use: string }[]
      assert.equal(keys.length, 1)
      assert.equal(keys[0]!.kid, header(access).kid)
      assert.equal(keys[0]!.alg, algorithm)
      assert.equal(keys[0]!.d, undefined, 'never the private part')
      assert.equal((await whoAmI(t, access)).statusCode, 200)
    })

    test('rotation: the new key signs, tokens of the old key keep working until it retires', async () => {
      const jar = new Jar(t.app)
      await jar.login()
      const oldAccess = jar.get('access_token')!
      await addKey(t.config.tokens, t.opened.store, Date.now())
      const { loadKeyRing } = await import('../../src/auth/index.js')
      runtimeOf(t.app).tokens.setRing(await loadKeyRing(t.config.tokens, t.opened.store, Date.now()))
      await jar.login()
      const newAccess = jar.get('access_token')!
      assert.notEqual(header(newAccess).kid, header(oldAccess).kid)
      assert.equal((await whoAmI(t, oldAccess)).statusCode, 200)
      assert.equal((await whoAmI(t, newAccess)).statusCode, 200)
      assert.equal((await t.app.inject({ url: '/.well-known/jwks.json' })).json().keys.length, 2)
    })
  })
}

describe('attacks on the key choice', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ JWT_ALGORITHM: 'RS256' })
    await createUser(t)
  })
  after(() => t.close())

  test('alg confusion: an HS256 token signed with the RSA public key as the HMAC secret is refused', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const access = jar.get('access_token')!
    const kid = header(access).kid
    const publicPem = runtimeOf(t.app).tokens.ring.keys.get(kid)!.verifyingKey
    const body = b64({ ...payload(access), user_id: 1 })
    for (const hdr of [{ alg: 'HS256', typ: 'JWT', kid }, { alg: 'HS256', typ: 'JWT' }]) {
      const input = `${b64(hdr)}.${body}`
      const forged = `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`
      assert.equal((await whoAmI(t, forged)).statusCode, 401, JSON.stringify(hdr))
    }
  })

  test('an unknown kid is a 401 (never a lookup by path)', async () => {
    const jar = new Jar(t.app)
    await jar.login()
    const [, body, signature] = jar.get('access_token')!.split('.')
    for (const kid of ['nope', '../../etc/passwd', 'https://evil.example/jwks.json', 42]) {
      const forged = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${body}.${signature}`
      assert.equal((await whoAmI(t, forged)).statusCode, 401, String(kid))
    }
  })

  test('HMAC rotation is refused by rotatekey with a clear message', async () => {
    await assert.rejects(addKey({ ...t.config.tokens, algorithm: 'HS256' }, t.opened.store, Date.now()), /SECRET_KEY_FALLBACKS/)
  })
})

describe('SECRET_KEY rotation with SECRET_KEY_FALLBACKS', () => {
  test('tokens signed with the former key verify; new ones use the new key', async () => {
    const old = await createTestApp({ SECRET_KEY: 'the-old-secret-key-0123456789-abcdefghijklmnop' })
    await createUser(old)
    const jar = new Jar(old.app)
    await jar.login()
    const oldAccess = jar.get('access_token')!
    const rotated = await createTestApp({ SECRET_KEY: 'the-new-secret-key-0123456789-abcdefghijklmnop', SECRET_KEY_FALLBACKS: 'the-old-secret-key-0123456789-abcdefghijklmnop' })
    await createUser(rotated)
    const noFallback = await createTestApp({ SECRET_KEY: 'the-new-secret-key-0123456789-abcdefghijklmnop' })
    await createUser(noFallback)
    try {
      assert.equal((await whoAmI(rotated, oldAccess)).statusCode, 200)
      assert.equal((await whoAmI(noFallback, oldAccess)).statusCode, 401)
    } finally {
      await Promise.all([old.close(), rotated.close(), noFallback.close()])
    }
  })
})
