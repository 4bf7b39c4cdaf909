/**
 * Reset tokens against Debian's Django (3.2): a token Django's PasswordResetTokenGenerator makes is
 * accepted by Tessera (SHA-256, and SHA-1 as Django before 3.1 made them), one Tessera makes is accepted
 * by Django, and a Django-made link resets the password through the HTTP route.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'
import { checkResetToken, encodeUid, makeResetToken, type User } from '../../src/auth/index.js'
import { createTestApp, createUser, Jar } from '../support/app.js'

const PYTHON = '/usr/bin/python3'
const SECRET = 'django-and-tessera-share-this-secret-key-0123456789'
const skip = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import django'], { stdio: 'ignore' })
    return false
  } catch {
    return `${PYTHON} cannot import django (apt-get install python3-django)`
  }
})()

const SCRIPT = `
import json, sys, datetime
from django.conf import settings
settings.configure(SECRET_KEY=sys.argv[1], USE_TZ=True, TIME_ZONE='UTC', PASSWORD_RESET_TIMEOUT=3600, DEFAULT_HASHING_ALGORITHM='sha256')
import django; django.setup()
from django.contrib.auth.tokens import PasswordResetTokenGenerator
req = json.load(sys.stdin)
class U:
    pk = req['id']; password = req['password']; email = req['email']
    last_login = None if req['last_login'] is None else datetime.datetime.fromtimestamp(req['last_login'] / 1000, datetime.timezone.utc)
    def get_email_field_name(self): return 'email'
g = PasswordResetTokenGenerator()
u = U()
g._now = lambda: datetime.datetime.utcfromtimestamp(req['now'] / 1000)
print(json.dumps({'token': g.make_token(u), 'legacy': g._make_token_with_timestamp(u, g._num_seconds(g._now()), legacy=True), 'checks': g.check_token(u, req.get('check') or 'x-y')}))
`

function django(user: Pick<User, 'id' | 'password' | 'email' | 'last_login'>, now: number, check?: string): { token: string; legacy: string; checks: boolean } {
  const out = execFileSync(PYTHON, ['-c', SCRIPT, SECRET], { input: JSON.stringify({ ...user, now, check }), encoding: 'utf8', timeout: 60_000 })
  return JSON.parse(out)
}

const USER = { id: 42, password: 'pbkdf2_sha256$260000$salt$hash=', email: 'alice@example.com', last_login: Date.UTC(2024, 4, 1, 12, 30, 15, 789) }
const NOW = Date.UTC(2024, 4, 2, 9, 0, 0)

test("Django's token is Tessera's: the same string, accepted both ways, SHA-1 legacy tokens too", { skip }, () => {
  const tessera = makeResetToken(USER, NOW, SECRET)
  const made = django(USER, NOW, tessera)
  assert.equal(made.token, tessera)
  assert.equal(made.checks, true, 'Django accepts the token Tessera made')
  assert.equal(checkResetToken(USER, made.token, NOW, [SECRET], 3600), true)
  assert.equal(checkResetToken(USER, made.legacy, NOW, [SECRET], 3600), true, 'a SHA-1 token, as Django 3.x accepts')
  // Under a fallback key (SECRET_KEY rotated since the mail went out).
  assert.equal(checkResetToken(USER, made.token, NOW, ['the-new-key-0123456789-0123456789-0123456789', SECRET], 3600), true)
  // Every part of the user's state is in it: a new password, a login, another email void it; so does age.
  assert.equal(checkResetToken({ ...USER, password: 'argon2id$new' }, made.token, NOW, [SECRET], 3600), false)
  assert.equal(checkResetToken({ ...USER, last_login: NOW }, made.token, NOW, [SECRET], 3600), false)
  assert.equal(checkResetToken({ ...USER, email: 'eve@example.com' }, made.token, NOW, [SECRET], 3600), false)
  assert.equal(checkResetToken(USER, made.token, NOW + 3601_000, [SECRET], 3600), false)
  assert.equal(checkResetToken(USER, made.token, NOW, ['another-secret-key-0123456789-0123456789'], 3600), false)
})

test('a reset link that Django made works on Tessera with the same SECRET_KEY', { skip }, async () => {
  const t = await createTestApp({ SECRET_KEY: SECRET })
  try {
    const created = await createUser(t, 'alice', 'correct horse battery', { email: 'alice@example.com' })
    const stored = (await t.opened.store.findUserById(created.id))!
    const { token } = django(stored, Date.now())
    const body = { uid: encodeUid(stored.id), token, new_password1: 'migrated passphrase', new_password2: 'migrated passphrase' }
    const response = await t.app.inject({ method: 'POST', url: '/accounts/auth/password/reset/confirm/', payload: body })
    assert.equal(response.statusCode, 200, response.body)
    assert.equal((await new Jar(t.app).login('alice', 'migrated passphrase')).statusCode, 200)
  } finally {
    await t.close()
  }
})
