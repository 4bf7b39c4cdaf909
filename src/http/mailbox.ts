import type { FastifyInstance } from 'fastify'
import type { OutboxMessage } from '../auth/index.js'
import type { Config } from '../config/index.js'
import { kRuntime } from './internal.js'

/** How many of the newest messages the page lists. */
export const MAILBOX_SIZE = 50

/**
 * Whether `/dev/mailbox` exists: in development only, and only while mail goes nowhere real (no SMTP
 * EMAIL_URL). It shows every account's reset links to whoever reaches the server, which is the point on a
 * laptop and a hole anywhere else.
 */
export const hasDevMailbox = (config: Config): boolean => config.env === 'development' && config.email.transport.kind !== 'smtp'

/** No script at all; the demo's stylesheet; links may be followed but nothing here may be framed. */
const MAILBOX_CSP = ["default-src 'none'", "style-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join('; ')

const escapeHtml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

const LINK = /https?:\/\/[^\s<>"']+/g

/** The plain-text part, escaped, with its http(s) links made clickable (nothing else becomes markup). */
export function linkify(text: string): string {
  let out = ''
  let last = 0
  for (const match of text.matchAll(LINK)) {
    // A sentence's closing punctuation is not part of the link.
    const url = match[0].replace(/[.,;:!?)]+$/, '')
    out += `${escapeHtml(text.slice(last, match.index))}<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`
    last = match.index + url.length
  }
  return out + escapeHtml(text.slice(last))
}

function messageHtml(m: OutboxMessage): string {
  const when = new Date(m.sent_at ?? m.created_at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
  return [
    `<article class="card wide mail" data-mail-id="${m.id}">`,
    `<h2>${escapeHtml(m.subject)}</h2>`,
    `<dl class="facts"><dt>To</dt><dd>${escapeHtml(m.to_address)}</dd><dt>Date</dt><dd>${when}</dd><dt>Status</dt><dd>${m.status}</dd></dl>`,
    `<pre class="mail-body">${linkify(m.text_body)}</pre>`,
    '</article>',
  ].join('')
}

/** The page: the newest messages of the outbox, whatever their status, as plain HTML. */
export function mailboxPage(messages: readonly OutboxMessage[]): string {
  const list = messages.length === 0 ? '<p class="muted">No mail yet. Ask for a password reset on the <a href="/">demo page</a>.</p>' : messages.map(messageHtml).join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development mailbox · Tessera</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header class="top">
<h1>Development mailbox</h1>
<p class="tagline">The last ${MAILBOX_SIZE} messages of the outbox, newest first. Only with NODE_ENV=development and no SMTP EMAIL_URL. <a href="/dev/mailbox">Reload</a> · <a href="/">Demo page</a></p>
</header>
<main class="grid">
${list}
</main>
</body>
</html>
`
}

/**
 * `GET /dev/mailbox`: what a newcomer needs to try a reset end to end with no mail server. It reads the
 * outbox, where every message is kept until a week after it was sent.
 */
export async function devMailbox(app: FastifyInstance) {
  app.get('/dev/mailbox', { schema: { hide: true } }, async (_request, reply) => {
    const messages = await app[kRuntime].store.listMail(null, MAILBOX_SIZE)
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', MAILBOX_CSP)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(mailboxPage(messages))
  })
}
