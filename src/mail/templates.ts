import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { TesseraError } from '../errors.js'

/** Every message Tessera sends. The second-factor notices are for the MFA routes. */
export const MAIL_KINDS = [
  'password_reset',
  'password_reset_done',
  'email_verification',
  'email_change_confirm',
  'email_change_notice',
  'account_deleted',
  'mfa_factor_added',
  'mfa_factor_removed',
  'mfa_recovery_code_used',
  'test',
] as const
export type MailKind = (typeof MAIL_KINDS)[number]

export interface Template {
  subject: string
  text: string
  html: string
}

export interface Rendered {
  subject: string
  text: string
  html: string
}

const SIGNATURE = '\n\n-- \n{{site_name}}\n{{site_url}}\n'
const page = (body: string) => `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${body}<p style="color:#666">{{site_name}} · <a href="{{site_url}}">{{site_url}}</a></p></body></html>`
const button = (label: string) => `<p><a href="{{link}}" style="display:inline-block;padding:.5em 1em;background:#2357d6;color:#fff;text-decoration:none;border-radius:4px">${label}</a></p><p style="font-size:small">Or open this link: <a href="{{link}}">{{link}}</a></p>`
const notice = (subject: string, text: string): Template => ({
  subject,
  text: `Hello {{username}},\n\n${text}\n\nIf this was not you, reset your password at once and contact us.${SIGNATURE}`,
  html: page(`<p>Hello {{username}},</p><p>${text}</p><p>If this was not you, reset your password at once and contact us.</p>`),
})

/** The built-in templates; a file in EMAIL_TEMPLATES_DIR replaces any part of one. */
const BUILT_IN: Record<MailKind, Template> = {
  password_reset: {
    subject: 'Password reset on {{site_name}}',
    text: "Hello {{username}},\n\nYou're receiving this email because you or someone else asked to reset the password of your account on {{site_name}}.\nIt can be safely ignored if you did not request a password reset. Otherwise open this link to choose a new password (it works once, for {{valid_for}}):\n\n{{link}}" + SIGNATURE,
    html: page(`<p>Hello {{username}},</p><p>You're receiving this email because you or someone else asked to reset the password of your account on {{site_name}}. It can be safely ignored if you did not request a password reset.</p>${button('Choose a new password')}<p style="font-size:small">The link works once, for {{valid_for}}.</p>`),
  },
  password_reset_done: notice('Your password on {{site_name}} was changed', 'The password of your account on {{site_name}} was reset just now, and every session was signed out.'),
  email_verification: {
    subject: 'Confirm your email address on {{site_name}}',
    text: 'Hello {{username}},\n\nPlease confirm that {{email}} is your email address on {{site_name}} by opening this link (valid for {{valid_for}}):\n\n{{link}}' + SIGNATURE,
    html: page(`<p>Hello {{username}},</p><p>Please confirm that {{email}} is your email address on {{site_name}}.</p>${button('Confirm my address')}<p style="font-size:small">The link is valid for {{valid_for}}.</p>`),
  },
  email_change_confirm: {
    subject: 'Confirm your new email address on {{site_name}}',
    text: 'Hello {{username}},\n\nYou asked to use {{email}} as the email address of your account on {{site_name}}. Open this link to confirm it (valid for {{valid_for}}):\n\n{{link}}\n\nIf you did not ask for this, ignore this message: nothing changes.' + SIGNATURE,
    html: page(`<p>Hello {{username}},</p><p>You asked to use {{email}} as the email address of your account on {{site_name}}.</p>${button('Confirm the new address')}<p style="font-size:small">The link is valid for {{valid_for}}. If you did not ask for this, ignore this message: nothing changes.</p>`),
  },
  email_change_notice: notice('A new email address was requested for your account on {{site_name}}', 'Someone signed in to your account on {{site_name}} asked to change its email address to {{email}}. The change happens only once that address is confirmed.'),
  account_deleted: {
    subject: 'Your account on {{site_name}} was deleted',
    text: 'Hello {{username}},\n\nYour account on {{site_name}} was deleted, as you asked. Every session was signed out and your data removed.' + SIGNATURE,
    html: page('<p>Hello {{username}},</p><p>Your account on {{site_name}} was deleted, as you asked. Every session was signed out and your data removed.</p>'),
  },
  mfa_factor_added: notice('A second factor was added to your account on {{site_name}}', 'A second factor ({{factor}}) was added to your account on {{site_name}}, and your other sessions were signed out.'),
  mfa_factor_removed: notice('A second factor was removed from your account on {{site_name}}', 'A second factor ({{factor}}) was removed from your account on {{site_name}}, and your other sessions were signed out.'),
  mfa_recovery_code_used: notice('A recovery code was used on {{site_name}}', 'A recovery code of your account on {{site_name}} was used to sign in; {{remaining}} remain. Your other sessions were signed out.'),
  test: {
    subject: 'Test email from {{site_name}}',
    text: 'This is a test email sent by `tessera sendtestemail`. If you can read it, mail works.' + SIGNATURE,
    html: page('<p>This is a test email sent by <code>tessera sendtestemail</code>. If you can read it, mail works.</p>'),
  },
}

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** `{{name}}` becomes the variable (HTML-escaped in the HTML part); an unknown name becomes nothing. */
function fill(template: string, vars: Readonly<Record<string, string>>, html: boolean): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_all, key: string) => {
    const value = vars[key] ?? ''
    return html ? escapeHtml(value) : value
  })
}

/**
 * The templates, read once at start: `<dir>/<kind>.subject.txt`, `<kind>.txt` and `<kind>.html` each
 * replace that part of the built-in one. A subject is one line (a header cannot hold a newline).
 */
export function loadTemplates(dir: string | undefined): (kind: MailKind, vars: Readonly<Record<string, string>>) => Rendered {
  const templates = new Map<MailKind, Template>()
  for (const kind of MAIL_KINDS) {
    const part = (suffix: string, fallback: string): string => {
      if (!dir) return fallback
      const path = join(dir, `${kind}${suffix}`)
      return existsSync(path) ? readFileSync(path, 'utf8') : fallback
    }
    const builtIn = BUILT_IN[kind]
    const subject = part('.subject.txt', builtIn.subject).trim()
    if (/[\r\n]/.test(subject)) throw new TesseraError('ERR_CONFIG_INVALID', `EMAIL_TEMPLATES_DIR: ${kind}.subject.txt must be one line`)
    templates.set(kind, { subject, text: part('.txt', builtIn.text), html: part('.html', builtIn.html) })
  }
  return (kind, vars) => {
    const t = templates.get(kind)!
    // A variable with a newline (a name typed by a user) must not start a new header line either.
    return { subject: fill(t.subject, vars, false).replace(/[\r\n]+/g, ' '), text: fill(t.text, vars, false), html: fill(t.html, vars, true) }
  }
}
