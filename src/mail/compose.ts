import type { MailComposer, NewMail } from '../auth/index.js'
import type { AccountSettings, EmailSettings } from '../config/index.js'
import { TesseraError } from '../errors.js'
import { loadTemplates, MAIL_KINDS, type MailKind } from './templates.js'

/** The composer the use cases get: templates read once, the site's name and URL in every message. */
export function createComposer(email: EmailSettings, accounts: AccountSettings): MailComposer & { onQueued(listener: () => void): void } {
  const render = loadTemplates(email.templatesDir)
  let listener = () => {}
  return {
    enabled: email.transport.kind !== 'none',
    compose(kind: string, to: string, userId: number | null, vars: Record<string, string>): NewMail {
      if (!(MAIL_KINDS as readonly string[]).includes(kind)) throw new TesseraError('ERR_CONFIG_INVALID', `no mail template is called '${kind}'`)
      const rendered = render(kind as MailKind, { site_name: accounts.siteName, site_url: accounts.siteUrl, ...vars })
      return { to_address: to, user_id: userId, kind, subject: rendered.subject, text_body: rendered.text, html_body: rendered.html }
    },
    wake: () => listener(),
    onQueued(next) {
      listener = next
    },
  }
}
