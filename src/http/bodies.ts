import type { FastifyInstance, FastifyRequest, preValidationHookHandler, RouteOptions } from 'fastify'
import { ValidationError } from '../errors.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * JSON bodies as DRF's JSONParser reads them: strict UTF-8 (a stray `\xff` is a parse error, not a
 * U+FFFD that then fails as a wrong password), and an empty body labelled JSON is no data (a front end
 * may POST to refresh or logout with `Content-Type: application/json` and nothing in it).
 */
export function useDrfJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('remove', 'remove')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    if (body.length === 0) return done(null, {})
    let text: string
    try {
      text = utf8.decode(body)
    } catch {
      return done(Object.assign(new SyntaxError('JSON parse error: the body is not UTF-8.'), { statusCode: 400 }), undefined)
    }
    return parseJson(request, text, done)
  })
}

type BodySchema = { properties?: Record<string, { type?: unknown }> }

/**
 * DRF's CharField takes a string or a number (read as its string) and nothing else. The schema's
 * coercion would turn `true` into `"true"` and `null` into `""`; this check, attached only to routes
 * whose body has string fields, runs before it and answers as DRF does.
 */
export function drfStringFields(route: RouteOptions): void {
  const properties = (route.schema?.body as BodySchema | undefined)?.properties
  if (!properties) return
  const strings = Object.keys(properties).filter((key) => properties[key]!.type === 'string')
  if (strings.length === 0) return
  const check: preValidationHookHandler = (request, _reply, done) => {
    const body = request.body as Record<string, unknown> | null | undefined
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return done()
    let fields: Record<string, string[]> | undefined
    for (const key of strings) {
      const value = body[key]
      if (value === undefined || typeof value === 'string' || typeof value === 'number') continue
      ;(fields ??= {})[key] = [value === null ? 'This field may not be null.' : 'Not a valid string.']
    }
    done(fields ? new ValidationError(fields) : undefined)
  }
  route.preValidation = [check, ...[route.preValidation ?? []].flat()]
}
