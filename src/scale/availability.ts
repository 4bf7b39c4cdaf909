/** The part of a logger the background tasks need (pino's, or a console-like one in the CLI). */
export interface Log {
  info(message: string): void
  warn(message: string): void
}

/** One line for a failure of a backing service: its code or message, never a stack. */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: unknown }).code
  // Tessera's own wrapper (StoreUnavailableError) says nothing the driver's error does not.
  if (typeof code === 'string' && code.startsWith('ERR_') && error.cause instanceof Error) return reasonOf(error.cause)
  const cause = error.cause instanceof Error ? ` (${reasonOf(error.cause)})` : ''
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}${cause}` : `${error.message}${cause}`
}

/**
 * Whether a backing service (Redis, the broadcast, the database seen by a timer) is reachable. A
 * reconnecting client fails many times per outage; this says so once when it goes and once when it
 * comes back, and tells the metrics.
 */
export class Availability {
  #up: boolean | undefined

  constructor(
    readonly name: string,
    private readonly log: Log,
    /** What Tessera does instead while the service is away (ends the warning). */
    private readonly fallback: string,
    private readonly onChange: (up: boolean) => void = () => {},
  ) {}

  get isUp(): boolean {
    return this.#up === true
  }

  up(): void {
    if (this.#up === true) return
    if (this.#up === false) this.log.info(`${this.name} is reachable again`)
    this.#up = true
    this.onChange(true)
  }

  down(error: unknown): void {
    if (this.#up === false) return
    this.#up = false
    this.log.warn(`${this.name} unavailable (${reasonOf(error)}): ${this.fallback}`)
    this.onChange(false)
  }
}
