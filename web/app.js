// The demo front end: plain ES module over tessera/client (served from /assets/client/). Everything the
// server sends is written with textContent, never as HTML: a session's user agent is whatever a client sent.
import { initAccount } from './account.js'
import { createClient, TesseraClientError } from './client/index.js'
import { setupSecurity } from './security.js'

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? ''
const lifetime = Number(meta('tessera-access-lifetime')) || undefined
const routes = JSON.parse(meta('tessera-routes') || '{}')
const client = createClient({ baseUrl: meta('tessera-api-prefix') || '/accounts', accessLifetime: lifetime, routes, csrfTokenKey: meta('tessera-csrf-token-key') || 'token' })

const $ = (id) => document.getElementById(id)
const views = { loading: $('loading'), out: $('signed-out'), in: $('signed-in'), link: $('link-page') }
let signedIn = false

function show(which) {
  views.loading.hidden = true
  views.out.hidden = which !== 'out'
  views.in.hidden = which !== 'in'
  views.link.hidden = which !== 'link'
  signedIn = which === 'in'
}

function say(text, kind = 'info') {
  const status = $('status')
  status.textContent = text
  status.className = `status ${kind}`
}

function errorText(error) {
  if (error instanceof TesseraClientError) {
    const fields = Object.entries(error.fields)
    if (fields.length > 0) return fields.map(([field, messages]) => `${field.replace('_', ' ')}: ${messages.join(' ')}`).join('\n')
    if (error.status === 429) return 'Too many attempts: wait a moment and try again.'
    return error.message
  }
  return 'The server could not be reached.'
}

/** Runs a button's or form's action with the control disabled, reporting a failure in `errorBox` or the status line. */
async function act(control, action, errorBox) {
  control.disabled = true
  if (errorBox) errorBox.textContent = ''
  try {
    await action()
  } catch (error) {
    if (errorBox) errorBox.textContent = errorText(error)
    else say(errorText(error), 'error')
  } finally {
    control.disabled = false
  }
}

// --- signed in -----------------------------------------------------------------------------------------------

async function loadUser() {
  const user = await client.me()
  if (!user) return false
  $('me-username').textContent = user.username
  $('me-name').textContent = [user.first_name, user.last_name].filter(Boolean).join(' ') || '—'
  $('me-id').textContent = String(user.id)
  account.renderUser(user)
  return true
}

function describeAgent(ua) {
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chromium' : /Safari\//.test(ua) ? 'Safari' : ''
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : ''
  return browser && os ? `${browser} on ${os}` : ua || 'Unknown client'
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

function sessionItem(session) {
  const item = document.createElement('li')
  item.dataset.sessionId = session.id
  const text = document.createElement('div')
  const title = document.createElement('strong')
  title.textContent = describeAgent(session.user_agent)
  title.title = session.user_agent
  text.append(title)
  if (session.current) {
    const badge = document.createElement('span')
    badge.className = 'badge'
    badge.textContent = 'this browser'
    text.append(' ', badge)
  }
  const details = document.createElement('div')
  details.className = 'muted small'
  details.textContent = `${session.ip} · signed in ${timeFormat.format(new Date(session.created))} · last used ${timeFormat.format(new Date(session.last_used))}`
  text.append(details)
  const revoke = document.createElement('button')
  revoke.type = 'button'
  revoke.className = 'secondary'
  revoke.textContent = 'Revoke'
  revoke.setAttribute('aria-label', `Revoke ${session.current ? 'this browser' : describeAgent(session.user_agent)} session`)
  revoke.addEventListener('click', () => act(revoke, async () => {
    await client.revokeSession(session.id)
    if (signedIn) {
      await loadSessions()
      say('Session revoked.', 'ok')
    }
  }))
  item.append(text, revoke)
  return item
}

async function loadSessions() {
  const sessions = await client.sessions()
  $('session-list').replaceChildren(...sessions.map(sessionItem))
}

/** Shows the signed-in view when there is a session (true), else the signed-out one (false). */
async function enter() {
  if (!(await loadUser())) {
    leave()
    return false
  }
  show('in')
  renderAccessLife()
  await Promise.all([loadSessions(), security.render()])
  return true
}

function leave() {
  show('out')
  security.hideSecondStep()
  for (const form of document.querySelectorAll('form')) form.reset()
}

// --- the access token's remaining life --------------------------------------------------------------------

function renderAccessLife() {
  if (!signedIn) return
  const expires = client.accessExpiresAt()
  const label = $('access-remaining')
  const bar = $('access-progress')
  if (expires === null || lifetime === undefined) {
    label.textContent = 'unknown (sign in or refresh to start the clock)'
    bar.value = 0
    return
  }
  const left = Math.max(0, Math.round((expires - Date.now()) / 1000))
  label.textContent = left > 0 ? `about ${clock(left)} left` : 'expired: the next call refreshes it'
  bar.value = left / lifetime
}

const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`

// --- wiring ----------------------------------------------------------------------------------------------------

function formFields(form) {
  // Passwords are sent exactly as typed; empty optional fields are left out.
  const secret = (key) => key.includes('password')
  const entries = [...new FormData(form)].map(([key, value]) => [key, secret(key) ? String(value) : String(value).trim()])
  return Object.fromEntries(entries.filter(([key, value]) => value !== '' || secret(key)))
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const form = event.currentTarget
  const { username = '', password = '' } = formFields(form)
  act(form.querySelector('button'), async () => {
    const { mfaRequired, methods } = await client.login(username, password)
    if (mfaRequired) return security.askSecondFactor(methods)
    await enter()
    say(`Signed in as ${username}.`, 'ok')
  }, form.querySelector('[data-error]'))
})

$('register-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const form = event.currentTarget
  act(form.querySelector('button'), async () => {
    const user = await client.register(formFields(form))
    // EMAIL_VERIFICATION=mandatory: the account exists, the session waits for the mailed confirmation.
    if (await enter()) say(`Welcome, ${user.username}: your account is ready.`, 'ok')
    else say(`Your account ${user.username} is ready: confirm ${user.email} with the link mailed to it, then sign in.`, 'ok')
  }, form.querySelector('[data-error]'))
})

$('whoami').addEventListener('click', (event) => act(event.currentTarget, async () => {
  if (await loadUser()) say(`The server says you are ${$('me-username').textContent} (checked ${new Date().toLocaleTimeString()}).`, 'ok')
}))

$('refresh').addEventListener('click', (event) => act(event.currentTarget, async () => {
  if (!(await client.refresh())) return
  renderAccessLife()
  await loadSessions()
  say('New access token issued.', 'ok')
}))

$('logout').addEventListener('click', (event) => act(event.currentTarget, () => client.logout()))

$('logout-others').addEventListener('click', (event) => act(event.currentTarget, async () => {
  const ended = await client.logoutAll({ keepCurrent: true })
  await loadSessions()
  say(`Ended ${ended} other session${ended === 1 ? '' : 's'}.`, 'ok')
}))

$('logout-all').addEventListener('click', (event) => act(event.currentTarget, () => client.logoutAll()))

const GOODBYE = {
  logout: 'You are signed out.',
  logout_all: 'Every session has been ended.',
  session_revoked: 'This browser’s session was revoked.',
  refresh_failed: 'Your session has ended. Please sign in again.',
}

client.onLogout(({ reason, fromOtherTab }) => {
  leave()
  say(fromOtherTab ? `Signed out in another tab. ${GOODBYE[reason]}` : GOODBYE[reason], reason === 'refresh_failed' ? 'error' : 'info')
})

client.onLogin(({ fromOtherTab }) => {
  if (!fromOtherTab) return
  enter().then(() => say('Signed in from another tab.', 'ok'), (error) => say(errorText(error), 'error'))
})

// A session revoked from another device shows up the next time the page is looked at.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && signedIn) loadUser().catch(() => {})
})

const account = initAccount({ client, routes, act, say, show, formFields, enter, reload: loadUser })
const security = setupSecurity(client, { act, say, enter })

function start() {
  // A mailed link (#/reset/..., #/verify-email/...) opens its own page; anything else is the usual view.
  if (account.openLink()) return
  enter().catch((error) => {
    show('out')
    say(errorText(error), 'error')
  })
}

window.addEventListener('hashchange', start)
setInterval(renderAccessLife, 1000)
$('access-lifetime').textContent = lifetime === undefined ? 'unknown' : clock(lifetime)
start()
