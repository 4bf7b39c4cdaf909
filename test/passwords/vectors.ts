/**
 * Known-answer vectors for Django's password formats.
 *
 * Provenance matters more than quantity here: each vector comes either from Django's own test
 * suite (tests/auth_tests/test_hashers.py), from a hash Django itself produced, from the
 * djangohashers Rust port's tests, or was recomputed with Python's hashlib (see the command next
 * to it), so a bug shared by our code and our test helpers cannot hide.
 */

/** A vector: the password, the encoded hash, and where it came from. */
export interface Vector {
  password: string
  encoded: string
  source: string
}

export const PBKDF2_SHA256: readonly Vector[] = [
  {
    password: 'lètmein',
    encoded: 'pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=',
    source: "Django 4.2 test_pbkdf2: make_password('lètmein', 'seasalt', 'pbkdf2_sha256')",
  },
  {
    password: 'lètmein',
    encoded: 'pbkdf2_sha256$870000$seasalt$wJSpLMQRQz0Dhj/pFpbyjMj71B2gUYp6HJS5AU+32Ac=',
    // python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha256','lètmein'.encode(),b'seasalt',870000)).decode())"
    source: 'Django 5.1 default iteration count, recomputed with hashlib.pbkdf2_hmac',
  },
  {
    password: 'ExjGmyUT73bFoT',
    encoded: 'pbkdf2_sha256$24000$KQ8zeK6wKRuR$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY=',
    source: 'djangohashers tests (Django 1.9 iteration count)',
  },
  {
    password: 'correct horse',
    encoded: 'pbkdf2_sha256$1000$pepperpot$PIAZq8arKXC6qOIB5zfBolI6R7oHc0rSVPiSNWaBLZM=',
    // python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha256',b'correct horse',b'pepperpot',1000)).decode())"
    source: 'hashlib.pbkdf2_hmac, non-default iteration count',
  },
]

export const PBKDF2_SHA1: readonly Vector[] = [
  {
    password: 'lètmein',
    encoded: 'pbkdf2_sha1$600000$seasalt2$2CLsaL1MZhq6JOG6QOHtVbiopHE=',
    source: 'Django 4.2 test_low_level_pbkdf2_sha1',
  },
  {
    password: 'ExjGmyUT73bFoT',
    encoded: 'pbkdf2_sha1$24000$KQ8zeK6wKRuR$tSJh4xdxfMJotlxfkCGjTFpGYZU=',
    source: 'djangohashers tests',
  },
  {
    password: 'correct horse',
    encoded: 'pbkdf2_sha1$1000$pepperpot$m4/CqoCI3COvksZVH/bkMmu4R/0=',
    // python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha1',b'correct horse',b'pepperpot',1000)).decode())"
    source: 'hashlib.pbkdf2_hmac',
  },
]

export const ARGON2: readonly Vector[] = [
  {
    password: 'secret',
    encoded:
      'argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg',
    source: 'Django test_argon2: old hash without version attribute (Argon2 v1.0)',
  },
  {
    password: 'secret',
    encoded: 'argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q',
    source: 'Django test_argon2: old argon2i hash with version attribute',
  },
  {
    password: 'ExjGmyUT73bFoT',
    encoded: 'argon2$argon2i$v=19$m=512,t=2,p=2$S1E4emVLNndLUnVS$RUET3AC8iXvcVPD2TRjvVQ',
    source: 'djangohashers tests (Django 1.10 defaults, ASCII Django salt)',
  },
]

export const BCRYPT_SHA256: readonly Vector[] = [
  {
    password: 'password',
    encoded: 'bcrypt_sha256$$2b$12$VADBCPlCt0wMa2zjUgaXl.jnrvoNt/kgjtRY7i./fo0V2IEp1l6f2',
    source: "Django make_password('password', hasher='bcrypt_sha256'), quoted in a public project",
  },
  {
    password: 'ExjGmyUT73bFoT',
    encoded: 'bcrypt_sha256$$2b$12$LZSJchsWG/DrBy1erNs4eeYo6tZNlLFQmONdxN9HPesa1EyXVcTXK',
    source: 'djangohashers tests',
  },
]

export const BCRYPT: readonly Vector[] = [
  {
    password: 'ExjGmyUT73bFoT',
    encoded: 'bcrypt$$2b$12$LZSJchsWG/DrBy1erNs4ee31eJ7DaWiuwhDOC7aqIyqGGggfu6Y/.',
    source: 'djangohashers tests',
  },
]
