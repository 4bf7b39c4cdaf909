/**
 * The revoked-session set that makes access tokens die at logout without a database read per request.
 * An entry only needs to live as long as an access token issued before the revocation could:
 * the access lifetime (plus leeway). `onRevoke` listeners carry new entries to other instances.
 */
export class RevocationList {
  readonly #until = new Map<string, number>()
  readonly #listeners: ((sid: string, revokedAt: number) => void)[] = []
  #adds = 0

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a revocation. `broadcast: false` for entries that came from elsewhere (catch-up, pub/sub). */
  add(sid: string, revokedAt = this.now(), broadcast = true): void {
    const until = revokedAt + this.ttlMs
    if (until <= this.now()) return
    if ((this.#until.get(sid) ?? 0) < until) this.#until.set(sid, until)
    if (broadcast) for (const listener of this.#listeners) listener(sid, revokedAt)
    if (++this.#adds % 1024 === 0) this.prune()
  }

  has(sid: string): boolean {
    const until = this.#until.get(sid)
    if (until === undefined) return false
    if (until > this.now()) return true
    this.#until.delete(sid)
    return false
  }

  onRevoke(listener: (sid: string, revokedAt: number) => void): void {
    this.#listeners.push(listener)
  }

  prune(): void {
    const now = this.now()
    for (const [sid, until] of this.#until) if (until <= now) this.#until.delete(sid)
  }

  get size(): number {
    return this.#until.size
  }
}
