/**
 * What the helpers throw when the server answers with an error: the status, and the contract's body
 * (`{detail, code?}`, or DRF's `{field: [messages]}` for a 400).
 */
export class TesseraClientError extends Error {
  /** The HTTP status; 0 when the server sent nothing usable. */
  readonly status: number
  /** SimpleJWT's `code` (`token_not_valid`, `no_active_account`, `csrf_permission_denied`, ...) when present. */
  readonly code: string | undefined
  /** The parsed JSON body, or `null` when there was none. */
  readonly body: unknown

  constructor(status: number, body: unknown) {
    super(describe(status, body))
    this.name = 'TesseraClientError'
    this.status = status
    this.body = body
    this.code = isRecord(body) && typeof body.code === 'string' ? body.code : undefined
  }

  /** DRF's per-field messages of a 400 (`{username: ["A user with that username already exists."]}`). */
  get fields(): Record<string, string[]> {
    if (this.status !== 400 || !isRecord(this.body)) return {}
    const out: Record<string, string[]> = {}
    for (const [key, value] of Object.entries(this.body)) {
      if (Array.isArray(value)) out[key] = value.map(String)
      else if (typeof value === 'string') out[key] = [value]
    }
    return out
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(status: number, body: unknown): string {
  if (isRecord(body)) {
    if (typeof body.detail === 'string') return body.detail
    const parts = Object.entries(body).map(([key, value]) => `${key}: ${[value].flat().join(' ')}`)
    if (parts.length > 0) return parts.join('; ')
  }
  return `HTTP ${status}`
}

/** Reads a response's JSON body; `null` for an empty or non-JSON body (a 204, a proxy's HTML error page). */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text()
  if (text === '') return null
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null
  }
}
