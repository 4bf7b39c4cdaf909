import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Django's CommonMiddleware redirects these; any other method would lose its body on the way. */
const REDIRECTED = new Set(['GET', 'HEAD'])

/**
 * The ready server's answer to an unknown path, with Django's APPEND_SLASH: when the path plus a slash is a
 * route, a GET or HEAD is sent there (301, query string kept), and an unsafe method is told where the route
 * is in its 404 (Django raises a RuntimeError there, which helps no API client). Otherwise DRF's 404.
 */
export function notFoundHandler(app: FastifyInstance, appendSlash: boolean) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const [path = '', query] = splitUrl(request.url)
    // `//host/x` is a path here but a protocol-relative URL in a Location header: never redirected.
    const slashed = appendSlash && path.startsWith('/') && !path.startsWith('//') && !path.endsWith('/') ? `${path}/` : undefined
    if (slashed && app.findRoute({ method: 'GET', url: slashed })) {
      if (REDIRECTED.has(request.method)) return reply.code(301).header('location', query === undefined ? slashed : `${slashed}?${query}`).send()
      return reply.code(404).send({ detail: `Not found. You called this URL via ${request.method}, but it does not end in a slash: call ${slashed} (note the trailing slash).` })
    }
    return reply.code(404).send({ detail: 'Not found.' })
  }
}

function splitUrl(url: string): [string, string | undefined] {
  const at = url.indexOf('?')
  return at < 0 ? [url, undefined] : [url.slice(0, at), url.slice(at + 1)]
}
