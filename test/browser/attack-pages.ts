/**
 * The attacker's pages: what a hostile site that the signed-in victim visits would serve. `api` is the victim
 * app's prefix URL (`http://localhost:<port>/accounts`). Every page acts on load, with no click.
 */

/** Same-site pages can read the victim's `csrftoken` (cookies ignore ports), so they send it as the form field. */
const STEAL_CSRF = `var m = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/); document.getElementById('t').value = m ? m[1] : ''`

function autoSubmit(action: string, fields: Record<string, string>, stealToken: boolean): string {
  const inputs = Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`).join('')
  const token = stealToken ? '<input type="hidden" name="csrfmiddlewaretoken" id="t">' : ''
  return `<!doctype html><title>Win a prize</title>
<form method="POST" action="${action}">${inputs}${token}</form>
<script>${stealToken ? `${STEAL_CSRF};` : ''}document.forms[0].submit()</script>`
}

/** Requests with `credentials: 'include'`; each result is `<name>:<response type>:<status>` or `<name>:blocked`. */
function fetchAttacks(api: string, sessionId: string, attacker: { username: string; password: string }): string {
  return `<!doctype html><title>Totally harmless</title>
<script>
var api = ${JSON.stringify(api)}
var login = new URLSearchParams(${JSON.stringify(attacker)})
var m = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/)
// A form-encoded body is a "simple" request (no preflight) that the server parses, so it meets the CSRF check.
var stolen = function () { return new URLSearchParams({ csrfmiddlewaretoken: m ? m[1] : '' }) }
var attempts = [
  ['read-user', api + '/user/', {}],
  ['logout', api + '/auth/logout/', { method: 'POST', mode: 'no-cors', body: stolen() }],
  ['logout-all', api + '/auth/logout_all/', { method: 'POST', mode: 'no-cors', body: stolen() }],
  ['refresh', api + '/auth/refresh_token/', { method: 'POST' }],
  ['revoke', api + '/sessions/${encodeURIComponent(sessionId)}/', { method: 'DELETE' }],
  ['login', api + '/auth/login/', { method: 'POST', body: login }],
]
window.results = Promise.all(attempts.map(function (a) {
  a[2].credentials = 'include'
  return fetch(a[1], a[2]).then(function (r) { return a[0] + ':' + r.type + ':' + r.status }, function () { return a[0] + ':blocked' })
}))
</script>`
}

export interface AttackPages {
  [path: string]: string
}

export function attackPages(api: string, sessionId: string, attacker: { username: string; password: string }): AttackPages {
  return {
    '/form-logout': autoSubmit(`${api}/auth/logout/`, {}, true),
    '/form-refresh': autoSubmit(`${api}/auth/refresh_token/`, {}, false),
    '/form-revoke': autoSubmit(`${api}/sessions/${encodeURIComponent(sessionId)}/`, {}, true),
    '/form-logout-all': autoSubmit(`${api}/auth/logout_all/`, {}, true),
    '/form-login': autoSubmit(`${api}/auth/login/`, attacker, false),
    '/fetch': fetchAttacks(api, sessionId, attacker),
  }
}
