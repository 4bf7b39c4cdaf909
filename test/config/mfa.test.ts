import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveConfig, type Env } from '../../src/config/index.js'
import { TesseraError } from '../../src/errors.js'

const SECRET_KEY = 'config-test-secret-key-long-enough-0123456789abcdef'
const PRODUCTION = { NODE_ENV: 'production', SECRET_KEY: 'p'.repeat(8) + 'roduction-secret-key-0123456789abcdef', ALLOWED_HOSTS: 'app.example.com' }

function refuses(env: Env, variable: string, also?: RegExp): void {
  assert.throws(
    () => resolveConfig({ SECRET_KEY, ...env }),
    (error: unknown) => {
      assert.ok(error instanceof TesseraError && error.code === 'ERR_CONFIG_INVALID', String(error))
      assert.ok(error.message.includes(variable), `"${error.message}" should name ${variable}`)
      if (also) assert.match(error.message, also)
      return true
    },
  )
}

describe('config: second factors and passkeys', () => {
  it('defaults: 5-minute pending logins and challenges, 5 attempts, the site name as issuer, the relying party from each request', () => {
    const { mfa } = resolveConfig({ SECRET_KEY, SITE_NAME: 'Acme' })
    assert.deepEqual([mfa.issuer, mfa.pendingLifetime, mfa.pendingMaxAttempts], ['Acme', 300, 5])
    assert.deepEqual(mfa.cookie, { name: 'mfa_pending', path: '/accounts/auth/', domain: undefined, secure: false, sameSite: 'Lax', httpOnly: true, maxAge: 300 })
    assert.deepEqual([mfa.webauthn.rpId, mfa.webauthn.origins, mfa.webauthn.rpName, mfa.webauthn.challengeLifetime, mfa.webauthn.maxCredentials], [undefined, [], 'Acme', 300, 20])
    assert.equal(mfa.webauthn.cookie.path, '/accounts/auth/')
  })

  it('the settings are read from the environment; WEBAUTHN_ORIGIN alone gives the RP ID', () => {
    const { mfa } = resolveConfig({ SECRET_KEY, TOTP_ISSUER: 'Acme Corp', MFA_PENDING_LIFETIME: '2m', MFA_PENDING_MAX_ATTEMPTS: '3', WEBAUTHN_ORIGIN: 'https://app.example.com', WEBAUTHN_CHALLENGE_LIFETIME: '90s', WEBAUTHN_MAX_CREDENTIALS: '4' })
    assert.deepEqual([mfa.issuer, mfa.pendingLifetime, mfa.pendingMaxAttempts, mfa.cookie.maxAge], ['Acme Corp', 120, 3, 120])
    assert.deepEqual([mfa.webauthn.rpId, mfa.webauthn.origins, mfa.webauthn.challengeLifetime, mfa.webauthn.maxCredentials], ['app.example.com', ['https://app.example.com'], 90, 4])
    assert.equal(resolveConfig({ SECRET_KEY, WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGIN: 'https://app.example.com,https://example.com' }).mfa.webauthn.rpId, 'example.com')
  })

  it('the pending cookie covers login and verify in every profile', () => {
    assert.equal(resolveConfig({ SECRET_KEY, ROUTE_PROFILE: 'dj-rest-auth' }).mfa.cookie.path, '/accounts/')
    assert.equal(resolveConfig({ SECRET_KEY, ROUTE_PROFILE: 'simplejwt' }).mfa.cookie.path, '/accounts/')
  })

  it('refuses an origin outside the RP ID, an RP ID with a scheme or port, a malformed origin, plain http in production', () => {
    refuses({ WEBAUTHN_RP_ID: 'example.org', WEBAUTHN_ORIGIN: 'https://app.example.com' }, 'WEBAUTHN_ORIGIN', /not example.org or a subdomain/)
    refuses({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGIN: 'https://badexample.com' }, 'WEBAUTHN_ORIGIN')
    refuses({ WEBAUTHN_RP_ID: 'https://example.com' }, 'WEBAUTHN_RP_ID')
    refuses({ WEBAUTHN_RP_ID: 'example.com:8443' }, 'WEBAUTHN_RP_ID')
    refuses({ WEBAUTHN_ORIGIN: 'https://app.example.com/login' }, 'WEBAUTHN_ORIGIN')
    refuses({ ...PRODUCTION, WEBAUTHN_ORIGIN: 'http://app.example.com' }, 'WEBAUTHN_ORIGIN', /https in production/)
    refuses({ MFA_PENDING_MAX_ATTEMPTS: '0' }, 'MFA_PENDING_MAX_ATTEMPTS')
    refuses({ MFA_PENDING_LIFETIME: '0' }, 'MFA_PENDING_LIFETIME')
    refuses({ WEBAUTHN_CHALLENGE_LIFETIME: 'soon' }, 'WEBAUTHN_CHALLENGE_LIFETIME')
    assert.doesNotThrow(() => resolveConfig({ ...PRODUCTION, WEBAUTHN_ORIGIN: 'http://localhost:8000' }))
  })
})
