import { StoreUnavailableError } from '../errors.js'
import type { User, UserInfo, UserStore } from './store.js'

/**
 * A short-lived cache of users by id, so an authenticated request needs no database read in the steady
 * state. Safe because anything that must cut a user off (deactivation, deletion, password change) also
 * revokes their sessions, which the revocation set enforces at once; the cache only delays profile edits
 * made by another instance by at most `ttlMs`.
 */
export class UserCache {
  readonly #entries = new Map<number, { user: UserInfo | null; until: number }>()

  constructor(
    private readonly store: Pick<UserStore, 'findUserById'>,
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
    /** How long past its expiry an entry may still answer while the database is unavailable. */
    private readonly staleMs = 15 * 60_000,
  ) {}

  /** The user without the password hash (a host may serialise it as it is). */
  async get(id: number): Promise<UserInfo | null> {
    const hit = this.#entries.get(id)
    if (hit && hit.until > this.now()) return hit.user
    let user: UserInfo | null
    try {
      user = withoutPassword(await this.store.findUserById(id))
    } catch (error) {
      // Stale if error: while the database is down nothing can change a user there, so the last
      // copy is as fresh as any; authenticated reads keep working through the outage.
      if (hit && error instanceof StoreUnavailableError && hit.until + this.staleMs > this.now()) return hit.user
      throw error
    }
    this.#set(id, user)
    return user
  }

  /** The fresh entry's user (null: known not to exist), or undefined when `get` would read the store. */
  peek(id: number): UserInfo | null | undefined {
    const hit = this.#entries.get(id)
    return hit && hit.until > this.now() ? hit.user : undefined
  }

  #set(id: number, user: UserInfo | null): void {
    this.#entries.delete(id)
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(id, { user, until: this.now() + this.ttlMs })
  }

  /** Caches a row just read or written, so the next request needs no read (nor a database that is up). */
  put(user: User): void {
    this.#set(user.id, withoutPassword(user))
  }

  invalidate(id: number): void {
    this.#entries.delete(id)
  }
}

function withoutPassword(user: User | null): UserInfo | null {
  if (!user) return null
  const { password: _hash, ...info } = user
  return Object.freeze(info)
}
