/**
 * The entry that revokes a whole user's session-less (SimpleJWT-issued) tokens, which name no session:
 * those issued at or before its time are refused. Session ids are base64url, so they never hold a ':'.
 */
export const userRevocationKey = (userId: number): string => `user:${userId}`

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

  /** When the entry was revoked, while it lives (the time `add` was given, or a later one). */
  revokedAt(sid: string): number | undefined {
    return this.has(sid) ? (this.#until.get(sid) as number) - this.ttlMs : undefined
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
