import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config/index.js'

/** Keys a body never gets (as the JSON parser's `onProtoPoisoning: 'remove'`). */
const POISON = new Set(['__proto__', 'constructor', 'prototype'])

/** DRF's ParseError for a multipart body: `Multipart form parse error - <reason>`. */
const parseError = (reason: string, statusCode = 400) => Object.assign(new Error(`Multipart form parse error - ${reason}`), { statusCode })

/**
 * `multipart/form-data` bodies, as DRF's MultiPartParser reads them for a form without files: the fields
 * become the body exactly as a form-encoded body's do (a repeated field is a list). The whole body is
 * read under the body limit first (so a chunked upload is bounded too), then parsed with strict limits:
 * no files at all (a file part is a 400, not silently dropped), at most `maxFields` fields of at most
 * `maxFieldSize` bytes each, and short part headers.
 */
export function useDrfMultipart(app: FastifyInstance, config: Pick<Config, 'bodyLimit' | 'multipart'>): void {
  const { maxFields, maxFieldSize } = config.multipart
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: config.bodyLimit }, (request: FastifyRequest, body: Buffer, done) => {
    // As an empty JSON body: no data (a POST to refresh or logout may carry nothing).
    if (body.length === 0) return done(null, {})
    let settled = false
    const finish = (error: Error | null, fields?: Record<string, string | string[]>) => {
      if (settled) return
      settled = true
      done(error, fields)
    }
    let parser: BusboyInstance
    try {
      parser = Busboy({
        headers: request.headers as BusboyHeaders,
        // Every part that names a file is a file, whatever its content type.
        isPartAFile: (_field, contentType, fileName) => fileName !== undefined || contentType === 'application/octet-stream',
        limits: { fields: maxFields, fieldSize: maxFieldSize, fieldNameSize: 100, parts: maxFields + 1, headerPairs: 16, headerSize: 4096, files: 1, fileSize: 0 },
      })
    } catch (error) {
      // No boundary, or not multipart after all.
      return finish(parseError((error as Error).message))
    }
    const fields: Record<string, string | string[]> = {}
    parser.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (nameTruncated) return finish(parseError('a field name is longer than 100 bytes.'))
      if (valueTruncated) return finish(parseError(`the field '${name}' is longer than ${maxFieldSize} bytes.`))
      if (POISON.has(name)) return
      const before = fields[name]
      fields[name] = before === undefined ? value : [...[before].flat(), value]
    })
    parser.on('file', (name, stream) => {
      stream.resume()
      finish(parseError(`file uploads are not accepted (the part '${name}' is a file).`))
    })
    parser.on('fieldsLimit', () => finish(parseError(`more than ${maxFields} fields.`)))
    parser.on('partsLimit', () => finish(parseError(`more than ${maxFields} fields.`)))
    parser.on('error', (error: unknown) => finish(parseError(error instanceof Error ? error.message : 'malformed body.')))
    parser.on('finish', () => finish(null, fields))
    parser.end(body)
  })
}
