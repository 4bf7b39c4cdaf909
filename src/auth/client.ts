import { createHmac } from 'node:crypto'
import type { AuthContext, ClientInfo } from './context.js'
import type { SessionSeen } from './store.js'

/**
 * Names the client behind a request without storing what it holds: a keyed hash of its CSRF secret
 * (the `csrftoken` cookie, fresh at every login) and its User-Agent. A refresh token stolen on its own
 * (a log, a proxy, a backup) comes without that cookie; a client that keeps no CSRF cookie is named by
 * its User-Agent alone. The IP is not part of it: phones change address between two requests.
 */
export function clientKey(ctx: AuthContext, client: ClientInfo): string {
  return createHmac('sha256', `tessera.session.client:${ctx.settings.secretKey}`)
    .update(`${client.csrfSecret}\n${client.userAgent}`)
    .digest('base64url')
    .slice(0, 43)
}

/** What a session records about the client that last used it. */
export function seenBy(ctx: AuthContext, client: ClientInfo): SessionSeen {
  return { ip: client.ip.slice(0, 64), user_agent: client.userAgent.slice(0, 512), client_key: clientKey(ctx, client) }
}
