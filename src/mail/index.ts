export { createComposer } from './compose.js'
export { backoff, startMailSender, type MailSender, type MailState } from './sender.js'
export { MAIL_KINDS, loadTemplates, type MailKind } from './templates.js'
export { createTransport, isPermanent, type MailTransport, type OutgoingMail } from './transport.js'
