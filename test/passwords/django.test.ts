import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { hash as argon2Hash } from '@node-rs/argon2'
import bcrypt from 'bcryptjs'
import { identifyDjangoAlgorithm, verifyDjangoPassword } from '../../src/passwords/django.js'
import { ARGON2, BCRYPT, BCRYPT_SHA256, PBKDF2_SHA1, PBKDF2_SHA256 } from './vectors.js'
import type { Vector } from './vectors.js'

const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex')

/** Time an async call in milliseconds. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now()
  const value = await fn()
  return [value, performance.now() - start]
}

function knownAnswers(name: string, vectors: readonly Vector[]): void {
  describe(`${name} known-answer vectors`, () => {
    for (const v of vectors) {
      it(`accepts the right password and rejects a wrong one: ${v.source}`, async () => {
        assert.equal(await verifyDjangoPassword(v.password, v.encoded), true)
        assert.equal(await verifyDjangoPassword(`${v.password}z`, v.encoded), false)
      })
    }
  })
}

knownAnswers('pbkdf2_sha256', PBKDF2_SHA256)
knownAnswers('pbkdf2_sha1', PBKDF2_SHA1)
knownAnswers('argon2', ARGON2)
knownAnswers('bcrypt_sha256', BCRYPT_SHA256)
knownAnswers('bcrypt', BCRYPT)

describe('pbkdf2 formats', () => {
  it('is case-sensitive and does not normalise Unicode', async () => {
    const v = PBKDF2_SHA256[0]!
    assert.equal(await verifyDjangoPassword('LÈTMEIN', v.encoded), false)
    // 'e' + combining grave accent renders like 'è' but is different bytes, as in Django.
    assert.equal(await verifyDjangoPassword('le\u0300tmein', v.encoded), false)
  })

  it('does not accept a sha256 hash under the sha1 name or vice versa', async () => {
    const v = PBKDF2_SHA256[3]!
    assert.equal(await verifyDjangoPassword(v.password, v.encoded.replace('pbkdf2_sha256', 'pbkdf2_sha1')), false)
    const w = PBKDF2_SHA1[2]!
    assert.equal(await verifyDjangoPassword(w.password, w.encoded.replace('pbkdf2_sha1', 'pbkdf2_sha256')), false)
  })

  it('rejects a tampered iteration count, salt or hash', async () => {
    const { password, encoded } = PBKDF2_SHA256[3]!
    assert.equal(await verifyDjangoPassword(password, encoded.replace('$1000$', '$1001$')), false)
    assert.equal(await verifyDjangoPassword(password, encoded.replace('pepperpot', 'pepperpoT')), false)
    // Django compares encodings, so stripping the base64 padding must not match either.
    assert.equal(await verifyDjangoPassword(password, encoded.replace(/=$/, '')), false)
  })

  it('rejects an iteration count above the cap without computing it', async () => {
    for (const iterations of ['10000001', '999999999', '9999999999']) {
      const [ok, ms] = await timed(() =>
        verifyDjangoPassword('x', `pbkdf2_sha256$${iterations}$salt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=`),
      )
      assert.equal(ok, false)
      assert.ok(ms < 50, `took ${ms} ms for ${iterations} iterations`)
    }
  })

  it('rejects iteration counts Django would never write', async () => {
    const h = 'cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY='
    for (const iterations of ['abc', '', '0', '-24000', '024000', '+24000', '24_000', ' 24000', '2.4e4', 'NaN', 'Infinity']) {
      assert.equal(await verifyDjangoPassword('ExjGmyUT73bFoT', `pbkdf2_sha256$${iterations}$KQ8zeK6wKRuR$${h}`), false, iterations)
    }
  })
})

describe('argon2 format', () => {
  it('verifies argon2id hashes in Django form (PHC string without its leading $)', async () => {
    // Django's salts are ASCII strings from get_random_string(), not random bytes.
    const phc = await argon2Hash('lètmein', { memoryCost: 1024, timeCost: 2, parallelism: 2, salt: Buffer.from('abcdefghijklmnopqrstuv') })
    assert.match(phc, /^\$argon2id\$v=19\$m=1024,t=2,p=2\$/)
    const encoded = `argon2${phc}`
    assert.equal(identifyDjangoAlgorithm(encoded), 'argon2')
    assert.equal(await verifyDjangoPassword('lètmein', encoded), true)
    assert.equal(await verifyDjangoPassword('lètmeinz', encoded), false)
  })

  it('does not accept a bare PHC string as Django argon2', async () => {
    const phc = await argon2Hash('pw', { memoryCost: 1024, timeCost: 1 })
    assert.equal(await verifyDjangoPassword('pw', phc), false)
    assert.equal(await verifyDjangoPassword('pw', `argon2$${phc}`), false)
  })

  it('rejects memory or work above the caps without allocating', async () => {
    const salt = 'c29tZXNhbHQ'
    const hash = 'YC9+jJCrQhs5R6db7LlN8Q'
    for (const params of ['m=2097152,t=1,p=1', 'm=1048577,t=1,p=1', 'm=8,t=4294967295,p=1', 'm=1048576,t=5,p=1', 'm=8192,t=1,p=255']) {
      const [ok, ms] = await timed(() => verifyDjangoPassword('secret', `argon2$argon2id$v=19$${params}$${salt}$${hash}`))
      assert.equal(ok, false)
      assert.ok(ms < 50, `took ${ms} ms for ${params}`)
    }
  })

  it('rejects malformed argon2 strings', async () => {
    const good = ARGON2[1]!.encoded
    for (const encoded of [
      'argon2$',
      'argon2$argon2id$garbage',
      good.replace('v=19', 'v=18'),
      good.replace('m=8,t=1,p=1', 't=1,m=8,p=1'),
      good.replace('m=8', 'm=0'),
      good.replace('argon2i', 'argon2x'),
      `${good}$extra`,
      good.replace('c2FsdHNhbHQ', 'c2F*dHNhbHQ'),
    ]) {
      assert.equal(await verifyDjangoPassword('secret', encoded), false, encoded)
    }
  })
})

describe('bcrypt formats', () => {
  it('bcrypt_sha256 checks bcrypt(sha256 hex of the password)', async () => {
    const inner = await bcrypt.hash(sha256Hex('lètmein'), 4)
    assert.match(inner, /^\$2b\$04\$/)
    assert.equal(await verifyDjangoPassword('lètmein', `bcrypt_sha256$${inner}`), true)
    assert.equal(await verifyDjangoPassword('lètmeinz', `bcrypt_sha256$${inner}`), false)
    // The inner hash is of the hex digest, not of the password itself.
    assert.equal(await verifyDjangoPassword(sha256Hex('lètmein'), `bcrypt_sha256$${inner}`), false)
    assert.equal(await verifyDjangoPassword('lètmein', `bcrypt$${inner}`), false)
  })

  it('bcrypt_sha256 does not truncate long passwords (Django test_bcrypt_sha256)', async () => {
    const password = 'VSK0UYV6FFQVZ0KG88DYN9WADAADZO1CTSIVDJUNZSUML6IBX7LN7ZS3R5JGB3RGZ7VI7G7DJQ9NI8BQFSRPTG6UWTTVESA5ZPUN'
    const encoded = `bcrypt_sha256$${await bcrypt.hash(sha256Hex(password), 4)}`
    assert.equal(await verifyDjangoPassword(password, encoded), true)
    assert.equal(await verifyDjangoPassword(password.slice(0, 72), encoded), false)
  })

  it('plain bcrypt checks the password itself, truncated to 72 bytes as bcrypt does', async () => {
    const password = `${'a'.repeat(72)}tail`
    const encoded = `bcrypt$${await bcrypt.hash(password, 4)}`
    assert.equal(await verifyDjangoPassword(password, encoded), true)
    assert.equal(await verifyDjangoPassword(`${'a'.repeat(72)}other tail`, encoded), true)
    assert.equal(await verifyDjangoPassword('a'.repeat(71), encoded), false)
  })

  it('accepts $2a$ and $2y$ prefixes', async () => {
    const inner = await bcrypt.hash('pw', 4)
    for (const prefix of ['$2a$', '$2y$']) {
      // Same salt and key schedule; only the version tag differs, which bcryptjs reproduces.
      assert.equal(await verifyDjangoPassword('pw', `bcrypt$${inner.replace('$2b$', prefix)}`), true, prefix)
    }
  })

  it('rejects a cost above the cap without computing it', async () => {
    const inner = BCRYPT[0]!.encoded.slice('bcrypt$'.length)
    for (const cost of ['15', '20', '31']) {
      const [ok, ms] = await timed(() => verifyDjangoPassword('ExjGmyUT73bFoT', `bcrypt$${inner.replace('$12$', `$${cost}$`)}`))
      assert.equal(ok, false)
      assert.ok(ms < 50, `took ${ms} ms at cost ${cost}`)
    }
  })

  it('rejects malformed bcrypt hashes', async () => {
    const inner = BCRYPT_SHA256[1]!.encoded.slice('bcrypt_sha256$'.length)
    for (const encoded of [
      'bcrypt_sha256$',
      'bcrypt$notahash',
      `bcrypt_sha256$${inner.slice(0, -1)}`,
      `bcrypt_sha256$${inner}x`,
      `bcrypt_sha256$${inner.replace('$2b$', '$2x$')}`,
      `bcrypt_sha256$${inner.replace('$12$', '$03$')}`,
      `bcrypt_sha256$${inner.replace('$12$', '$1a$')}`,
      `bcrypt_sha256${inner}`,
    ]) {
      assert.equal(await verifyDjangoPassword('ExjGmyUT73bFoT', encoded), false, encoded)
    }
  })
})

describe('unusable, empty and unknown hashes', () => {
  it('never matches an unusable password, even one that looks like a real hash after the !', async () => {
    const unusable = '!MTPTlBgvRjxYuYHXJWMsOfTgGuaSsuQsh1ikBGVz'
    assert.equal(await verifyDjangoPassword(unusable, unusable), false)
    assert.equal(await verifyDjangoPassword('!', unusable), false)
    assert.equal(await verifyDjangoPassword('lètmein', `!${PBKDF2_SHA256[3]!.encoded}`), false)
    assert.equal(await verifyDjangoPassword('correct horse', `!${PBKDF2_SHA256[3]!.encoded}`), false)
  })

  it('never matches a missing hash', async () => {
    assert.equal(await verifyDjangoPassword('x', ''), false)
    assert.equal(await verifyDjangoPassword('x', null), false)
    assert.equal(await verifyDjangoPassword('x', undefined), false)
  })

  it('does not support legacy or unknown hashers', async () => {
    for (const encoded of [
      'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3', // Django test_md5
      '88a434c88cca4e900f7874cd98123f43', // Django test_unsalted_md5
      'md5$$88a434c88cca4e900f7874cd98123f43',
      'sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8', // Django test_sha1
      'sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b',
      'crypt$$ab1Hv2Lg7ltQo',
      'rot13$1$KQ8zeK6wKRuR$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY=',
      'PBKDF2_SHA256$1000$pepperpot$PIAZq8arKXC6qOIB5zfBolI6R7oHc0rSVPiSNWaBLZM=',
    ]) {
      assert.equal(await verifyDjangoPassword('lètmein', encoded), false, encoded)
      assert.equal(identifyDjangoAlgorithm(encoded), null, encoded)
    }
  })

  it('rejects garbage without throwing', async () => {
    for (const encoded of [
      'pbkdf2_sha256$abc$x$y',
      'pbkdf2_sha256$',
      'pbkdf2_sha256$1000$',
      'pbkdf2_sha256$1000$$PIAZq8arKXC6qOIB5zfBolI6R7oHc0rSVPiSNWaBLZM=',
      'pbkdf2_sha256$1000$pepperpot$',
      'pbkdf2_sha256$1000$pepper$pot$PIAZq8arKXC6qOIB5zfBolI6R7oHc0rSVPiSNWaBLZM=',
      '$argon2id$garbage',
      '$',
      '$$$$',
      'pbkdf2_sha256',
      'bcrypt',
      'bcryptX',
      '\u0000',
      `pbkdf2_sha256$1000$${'s'.repeat(10_000)}$x`,
    ]) {
      assert.equal(await verifyDjangoPassword('correct horse', encoded), false, encoded.slice(0, 80))
    }
  })

  it('identifies the supported algorithms', () => {
    assert.equal(identifyDjangoAlgorithm(PBKDF2_SHA256[0]!.encoded), 'pbkdf2_sha256')
    assert.equal(identifyDjangoAlgorithm(PBKDF2_SHA1[0]!.encoded), 'pbkdf2_sha1')
    assert.equal(identifyDjangoAlgorithm(ARGON2[0]!.encoded), 'argon2')
    assert.equal(identifyDjangoAlgorithm(BCRYPT_SHA256[0]!.encoded), 'bcrypt_sha256')
    assert.equal(identifyDjangoAlgorithm(BCRYPT[0]!.encoded), 'bcrypt')
    assert.equal(identifyDjangoAlgorithm('$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q'), null)
  })
})
