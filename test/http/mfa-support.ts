/** Enrolling TOTP over HTTP, with codes computed from the secret as an authenticator app computes them. */
import assert from 'node:assert/strict'
import { totpCode } from '../../src/auth/index.js'
import { createTestApp, Jar, type TestApp } from '../support/app.js'
import { PASSWORD } from './helpers.js'
import { mailbox } from './mail-support.js'

export const TOTP = '/accounts/auth/mfa/totp/'
export const ACTIVATE = '/accounts/auth/mfa/totp/activate/'
export const VERIFY = '/accounts/auth/mfa/verify/'
export const INVALID = { code: ['Invalid code.'] }

/** A clock the test moves; TOTP steps are 30 s, so `clock.step()` moves to the next one. */
export interface Clock {
  ms: number
  step(): void
}

export async function withClockApp(env: Record<string, string>, run: (t: TestApp, clock: Clock) => Promise<void>) {
  const clock: Clock = { ms: Date.UTC(2026, 0, 1, 12, 0, 0), step: () => (clock.ms += 30_000) }
  const t = await createTestApp(env, { now: () => clock.ms })
  try {
    await run(t, clock)
  } finally {
    await t.close()
  }
}

/** Logs `jar` in (password only: the account has no factor yet) and enrols TOTP; answers the secret and the recovery codes. */
export async function enrolTotp(jar: Jar, clock: Clock, username = 'alice', password = PASSWORD): Promise<{ secret: string; recoveryCodes: string[] }> {
  if (!jar.get('access_token')) assert.equal((await jar.login(username, password)).statusCode, 200)
  const setup = await jar.request('POST', TOTP, { body: { password }, csrf: true })
  assert.equal(setup.statusCode, 200, setup.body)
  const { secret } = setup.json() as { secret: string }
  const activated = await jar.request('POST', ACTIVATE, { body: { code: totpCode(secret, clock.ms) }, csrf: true })
  assert.equal(activated.statusCode, 200, activated.body)
  return { secret, recoveryCodes: activated.json().recovery_codes }
}

/** The two steps of a login of an account with TOTP; the code is the next step's (the last one is used). */
export async function loginWithTotp(jar: Jar, secret: string, clock: Clock, username = 'alice') {
  const first = await jar.login(username, PASSWORD)
  assert.deepEqual(first.json(), { mfa_required: true, methods: ['totp', 'recovery_code'] })
  clock.step()
  return jar.request('POST', VERIFY, { body: { code: totpCode(secret, clock.ms) } })
}

/**
 * The subjects mailed so far, once there are `count` of them: a run of the sender that is already under
 * way when the test asks may not include the last message, so this asks again for up to two seconds.
 */
export async function subjects(t: TestApp, count: number): Promise<string[]> {
  const deadline = Date.now() + 2000
  for (;;) {
    const mails = await mailbox(t)
    if (mails.length >= count || Date.now() > deadline) return mails.map((m) => m.subject ?? '')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export { createTestApp, Jar }
