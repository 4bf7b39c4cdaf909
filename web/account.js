// The demo page's account screens: forgot password, the mailed reset and confirmation links, email
// verification state, profile editing and account deletion. Text from the server is written with
// textContent only.
import { TesseraClientError } from './client/index.js'

/** The seed profile's paths under the API prefix; the server's route table (ROUTE_PROFILE, ROUTE_<NAME>) overrides them. */
const SEED_ROUTES = {
  user: 'user/',
  passwordReset: 'auth/password/reset/',
  passwordResetConfirm: 'auth/password/reset/confirm/',
  verifyEmail: 'auth/registration/verify-email/',
  resendEmail: 'auth/registration/resend-email/',
}

const $ = (id) => document.getElementById(id)
const RESET_LINK = /^#\/reset\/([A-Za-z0-9_-]+)\/([0-9A-Za-z]+-[0-9A-Za-z]+)\/?$/
const VERIFY_LINK = /^#\/verify-email\/([^/?#]+)\/?$/

/**
 * Wires the account screens into the page. `ui` is what app.js shares: the client and the server's route
 * table (name → path), `act` and `say`, `show` (which view is visible), `formFields`, `enter` (load the
 * signed-in view) and `reload` (the user again).
 * Returns `renderUser(user)` for app.js to call with every user it loads, and `openLink()`, which shows the
 * page for a mailed link in the address and answers whether there was one.
 */
export function initAccount({ client, routes: serverRoutes, act, say, show, formFields, enter, reload }) {
  const routes = { ...SEED_ROUTES, ...serverRoutes }
  /** Calls one route of the table; the JSON answer, or a TesseraClientError for an error status. */
  async function call(name, method, body) {
    const headers = { accept: 'application/json' }
    const init = { method, headers }
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
    const response = await client.fetch(client.url(routes[name]), init)
    const text = await response.text()
    let data = null
    try {
      data = text === '' ? null : JSON.parse(text)
    } catch {
      data = null
    }
    if (!response.ok) throw new TesseraClientError(response.status, data)
    return data
  }

  const submitting = (id, action) =>
    $(id).addEventListener('submit', (event) => {
      event.preventDefault()
      const form = event.currentTarget
      act(form.querySelector('button[type="submit"]'), () => action(form, formFields(form)), form.querySelector('[data-error]'))
    })

  // --- signed out: ask for a reset link ------------------------------------------------------------------

  submitting('forgot-form', async (form, { email = '' }) => {
    const answer = await call('passwordReset', 'POST', { email })
    form.reset()
    say(`${answer?.detail ?? 'Password reset e-mail has been sent.'} Open the link in it to choose a new password.`, 'ok')
  })

  submitting('resend-form', async (form, { email: address = '' }) => {
    await call('resendEmail', 'POST', { email: address })
    form.reset()
    say(`If ${address} awaits confirmation, a new link is on its way.`, 'ok')
  })

  // --- the mailed links --------------------------------------------------------------------------------

  let pending = null

  /** Forgets the link's secret part in the address bar (history, screenshots), keeping it for the form. */
  const leaveLink = () => history.replaceState(null, '', `${location.pathname}${location.search}`)

  function openLink() {
    const reset = RESET_LINK.exec(location.hash)
    const verify = reset ? null : VERIFY_LINK.exec(location.hash)
    if (!reset && !verify) return false
    pending = reset ? { kind: 'reset', uid: reset[1], token: reset[2] } : { kind: 'verify', key: decodeURIComponent(verify[1]) }
    leaveLink()
    $('reset-form').hidden = pending.kind !== 'reset'
    $('verify-form').hidden = pending.kind !== 'verify'
    for (const form of document.querySelectorAll('#link-page form')) form.reset()
    show('link')
    return true
  }

  submitting('reset-form', async (form, fields) => {
    if (pending?.kind !== 'reset') return
    const answer = await call('passwordResetConfirm', 'POST', { uid: pending.uid, token: pending.token, new_password1: fields.new_password1 ?? '', new_password2: fields.new_password2 ?? '' })
    pending = null
    form.reset()
    show('out')
    say(`${answer?.detail ?? 'Password has been reset with the new password.'} Sign in with it.`, 'ok')
  })

  submitting('verify-form', async () => {
    if (pending?.kind !== 'verify') return
    try {
      await call('verifyEmail', 'POST', { key: pending.key })
    } catch (error) {
      if (error instanceof TesseraClientError && error.status === 404) throw new TesseraClientError(404, { detail: 'This confirmation link is invalid or has expired: ask for a new one.' })
      throw error
    }
    pending = null
    say((await enter()) ? 'Your email address is confirmed.' : 'Your email address is confirmed: you can sign in now.', 'ok')
  })

  $('link-back').addEventListener('click', (event) => {
    event.preventDefault()
    pending = null
    enter()
  })

  // --- signed in: email state, profile, email change, deletion ------------------------------------------

  let email = ''

  function renderUser(user) {
    email = user.email ?? ''
    $('me-email').textContent = email || '—'
    const state = $('email-state')
    state.hidden = !email
    state.textContent = user.email_verified ? 'verified' : 'not verified'
    state.className = user.email_verified ? 'badge' : 'badge warn'
    $('resend-email').hidden = !email || user.email_verified
    const profile = $('profile-form')
    // Not while someone is typing in it: a background reload must not undo their edit.
    if (!profile.contains(document.activeElement)) {
      profile.elements.first_name.value = user.first_name ?? ''
      profile.elements.last_name.value = user.last_name ?? ''
    }
  }

  $('resend-email').addEventListener('click', (event) =>
    act(event.currentTarget, async () => {
      await call('resendEmail', 'POST', { email })
      say(`A confirmation link was mailed to ${email}.`, 'ok')
    }),
  )

  $('profile-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const form = event.currentTarget
    // Both names are sent, empty ones included: clearing a name is an edit too.
    const names = { first_name: form.elements.first_name.value.trim(), last_name: form.elements.last_name.value.trim() }
    act(form.querySelector('button'), async () => {
      await call('user', 'PATCH', names)
      await reload()
      say('Profile saved.', 'ok')
    }, form.querySelector('[data-error]'))
  })

  submitting('email-form', async (form, { email: address = '', password = '' }) => {
    // No password: the server takes a login within REAUTH_WINDOW instead.
    await call('user', 'PATCH', { email: address, ...(password && { password }) })
    form.reset()
    await reload()
    say(`A confirmation link was mailed to ${address}; the address changes once it is opened.`, 'ok')
  })

  submitting('delete-form', async (form, { password = '' }) => {
    await call('user', 'DELETE', password ? { password } : {})
    form.reset()
    // The server has ended every session and deleted the cookies; this tells every tab.
    await client.logout()
    say('Your account was deleted.', 'info')
  })

  return { renderUser, openLink }
}
