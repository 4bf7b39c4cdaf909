// The demo's security section: TOTP enrolment (QR code, recovery codes), passkeys, and the second step of a
// login. Builds its own cards; app.js hands it the client and its helpers. As in app.js, whatever the server
// sends is written as text; the QR code (SVG markup from the server) is shown as an image, which runs no script.

/** `h('p', {class: 'muted'}, 'text', child)`: an element with attributes and text or element children. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) if (value !== false && value !== undefined) element.setAttribute(name, value === true ? '' : value)
  element.append(...children)
  return element
}

const button = (label, attributes = {}) => h('button', { type: 'button', ...attributes }, label)
const svgImage = (svg, alt) => h('img', { src: `data:image/svg+xml;base64,${btoa(svg)}`, alt, width: '180', height: '180', class: 'qr' })
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const when = (iso) => (iso ? timeFormat.format(new Date(iso)) : 'never')

/**
 * Wires the section into the page. `ui` is app.js's: `act(control, action, errorBox)`, `say(text, kind)` and
 * `enter()` (show the signed-in view). Returns what app.js calls: `askSecondFactor(methods)` after a password
 * step that answered mfa_required, and `render()` when the signed-in view is shown.
 */
export function setupSecurity(client, { act, say, enter }) {
  // --- signed out: the second step, and the passwordless login ----------------------------------------------
  const stepError = h('p', { class: 'error', 'data-error': true, role: 'alert' })
  const codeInput = h('input', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '8' })
  const recoveryInput = h('input', { name: 'recovery_code', autocomplete: 'off', maxlength: '16' })
  const verifyCode = h('button', { type: 'submit' }, 'Verify')
  const useRecovery = button('Use the recovery code', { class: 'secondary' })
  const usePasskey = button('Use a passkey', { class: 'secondary' })
  const stepForm = h('form', { id: 'mfa-form', class: 'card', 'aria-labelledby': 'mfa-title', novalidate: true, hidden: true },
    h('h2', { id: 'mfa-title' }, 'Second step'),
    h('p', { class: 'muted small' }, 'Your password was right. Confirm it is you with your authenticator app, a recovery code or a passkey.'),
    h('label', {}, 'Code from your app ', codeInput),
    h('label', {}, 'Or a recovery code ', recoveryInput),
    stepError,
    h('div', { class: 'actions' }, verifyCode, useRecovery, usePasskey))
  document.getElementById('signed-out').prepend(stepForm)

  const finish = async (proof, control) => act(control, async () => {
    await client.mfa.verify(proof)
    stepForm.hidden = true
    stepForm.reset()
    await enter()
    say('Signed in with your second factor.', 'ok')
  }, stepError)
  stepForm.addEventListener('submit', (event) => {
    event.preventDefault()
    finish({ code: codeInput.value.trim() }, verifyCode)
  })
  useRecovery.addEventListener('click', () => finish({ recovery_code: recoveryInput.value.trim() }, useRecovery))
  usePasskey.addEventListener('click', () => finish({ webauthn: true }, usePasskey))

  const passkeyLogin = button('Log in with a passkey', { class: 'secondary', id: 'passkey-login' })
  document.querySelector('#login-form .error')?.after(passkeyLogin)
  passkeyLogin.addEventListener('click', () => act(passkeyLogin, async () => {
    await client.passkeys.login()
    await enter()
    say('Signed in with a passkey.', 'ok')
  }, document.querySelector('#login-form [data-error]')))

  // --- signed in: TOTP ----------------------------------------------------------------------------------------
  const totpError = h('p', { class: 'error', 'data-error': true, role: 'alert' })
  const totpPassword = h('input', { type: 'password', name: 'password', autocomplete: 'current-password' })
  const setup = button('Set up TOTP')
  const enrolment = h('div', { hidden: true })
  const removeProof = h('input', { name: 'proof', autocomplete: 'off' })
  const remove = button('Remove TOTP', { class: 'danger' })
  const totpCard = h('article', { class: 'card', 'aria-labelledby': 'totp-title', id: 'totp-card' },
    h('h2', { id: 'totp-title' }, 'Authenticator app (TOTP)'),
    h('label', {}, 'Your password ', totpPassword),
    h('div', { class: 'actions' }, setup),
    enrolment,
    h('label', {}, 'Remove with a code or your password ', removeProof),
    h('div', { class: 'actions' }, remove),
    totpError)

  setup.addEventListener('click', () => act(setup, async () => {
    const { secret, qr_svg: qr } = await client.mfa.setupTotp(totpPassword.value)
    totpPassword.value = ''
    const code = h('input', { name: 'totp-code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '8' })
    const activate = button('Activate')
    const secretText = h('code', { id: 'totp-secret' }, secret)
    enrolment.replaceChildren(svgImage(qr, 'QR code for your authenticator app'), h('p', { class: 'small' }, 'Or type this key: ', secretText), h('label', {}, 'Code from the app ', code), h('div', { class: 'actions' }, activate))
    enrolment.hidden = false
    activate.addEventListener('click', () => act(activate, async () => {
      const codes = await client.mfa.activateTotp(code.value.trim())
      enrolment.replaceChildren(h('p', {}, 'TOTP is on. Keep these recovery codes somewhere safe: each works once, and they are not shown again.'), h('ol', { id: 'recovery-codes', class: 'codes' }, ...codes.map((c) => h('li', {}, h('code', {}, c)))))
      say('TOTP is on; your other sessions were signed out.', 'ok')
    }, totpError))
  }, totpError))

  remove.addEventListener('click', () => act(remove, async () => {
    const proof = removeProof.value.trim()
    await client.mfa.disable(/^\d{6}$/.test(proof.replace(/\s/g, '')) ? { code: proof } : { password: proof })
    removeProof.value = ''
    enrolment.hidden = true
    say('TOTP was removed; your other sessions were signed out.', 'ok')
  }, totpError))

  // --- signed in: passkeys ------------------------------------------------------------------------------------
  const passkeyError = h('p', { class: 'error', 'data-error': true, role: 'alert' })
  const passkeyName = h('input', { name: 'passkey-name', maxlength: '64', placeholder: 'This laptop' })
  // Needed when the last sign-in is older than the server's REAUTH_WINDOW.
  const passkeyPassword = h('input', { type: 'password', name: 'passkey-password', autocomplete: 'current-password' })
  const add = button('Add a passkey')
  const list = h('ul', { id: 'passkey-list', class: 'sessions' })
  const passkeyCard = h('article', { class: 'card', 'aria-labelledby': 'passkeys-title', id: 'passkeys-card' },
    h('h2', { id: 'passkeys-title' }, 'Passkeys'),
    list,
    h('label', {}, 'Name ', passkeyName),
    h('label', {}, h('span', {}, 'Password ', h('span', { class: 'muted' }, '(if asked)')), ' ', passkeyPassword),
    h('div', { class: 'actions' }, add),
    passkeyError)

  async function render() {
    const passkeys = await client.passkeys.list()
    list.replaceChildren(...passkeys.map((p) => {
      const drop = button('Remove', { class: 'secondary', 'aria-label': `Remove passkey ${p.name}` })
      drop.addEventListener('click', () => act(drop, async () => {
        await client.passkeys.remove(p.id, { password: passkeyPassword.value || undefined })
        await render()
        say(`Passkey ${p.name} removed; your other sessions were signed out.`, 'ok')
      }, passkeyError))
      return h('li', {}, h('div', {}, h('strong', {}, p.name), h('div', { class: 'muted small' }, `added ${when(p.created)} · last used ${when(p.last_used)}`)), drop)
    }))
    if (passkeys.length === 0) list.replaceChildren(h('li', { class: 'muted' }, 'No passkey yet.'))
  }

  add.addEventListener('click', () => act(add, async () => {
    const passkey = await client.passkeys.register({ name: passkeyName.value.trim() || undefined, password: passkeyPassword.value || undefined })
    passkeyName.value = ''
    passkeyPassword.value = ''
    await render()
    say(`Passkey ${passkey.name} added; your other sessions were signed out.`, 'ok')
  }, passkeyError))

  document.getElementById('signed-in').append(h('section', { id: 'security', class: 'grid wide', 'aria-label': 'Security' }, totpCard, passkeyCard))

  return {
    render,
    askSecondFactor(methods) {
      stepForm.hidden = false
      usePasskey.hidden = !methods.includes('webauthn')
      useRecovery.hidden = !methods.includes('recovery_code')
      recoveryInput.closest('label').hidden = !methods.includes('recovery_code')
      codeInput.closest('label').hidden = !methods.includes('totp')
      verifyCode.hidden = !methods.includes('totp')
      say('One more step: your second factor.', 'info')
      ;(methods.includes('totp') ? codeInput : usePasskey).focus()
    },
    hideSecondStep() {
      stepForm.hidden = true
    },
  }
}
