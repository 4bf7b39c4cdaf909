import type { TabChannel } from './tabs.js'
import type { AuthState, LoginEvent, LogoutEvent, LogoutReason } from './types.js'

type Listener<E> = (event: E) => void

/**
 * What this tab believes about the user's session, kept in step with the other tabs: the signed-in state,
 * the login and logout events, and when the access cookie was last renewed (by any tab: they share it).
 */
export class AuthStateTracker {
  private current: AuthState = 'unknown'
  private freshAt: number | null
  private readonly logoutListeners = new Set<Listener<LogoutEvent>>()
  private readonly loginListeners = new Set<Listener<LoginEvent>>()

  constructor(
    private readonly channel: TabChannel | null,
    private readonly storageKey: string,
  ) {
    this.freshAt = readStoredTime(storageKey)
    channel?.listen((message) => {
      if (message.type === 'refreshed') this.noteFresh(message.at, false)
      else if (message.type === 'login') {
        this.noteFresh(message.at, false)
        this.current = 'signed-in'
        this.emit(this.loginListeners, { fromOtherTab: true })
      } else if (message.type === 'logout') this.signedOut(message.reason, false)
    })
  }

  get state(): AuthState {
    return this.current
  }

  /** When any tab last received a fresh access cookie (ms since the epoch), as far as this tab knows. */
  get lastFreshAt(): number | null {
    // Another tab's write shows up here even if its broadcast is still on the way.
    const stored = readStoredTime(this.storageKey)
    if (stored !== null && (this.freshAt === null || stored > this.freshAt)) this.freshAt = stored
    return this.freshAt
  }

  /** A response that needed the session succeeded. */
  confirmSignedIn(): void {
    this.current = 'signed-in'
  }

  loggedIn(at: number): void {
    this.current = 'signed-in'
    this.noteFresh(at, true)
    this.channel?.post({ type: 'login', at })
    this.emit(this.loginListeners, { fromOtherTab: false })
  }

  refreshed(at: number): void {
    this.current = 'signed-in'
    this.noteFresh(at, true)
    this.channel?.post({ type: 'refreshed', at })
  }

  /**
   * The session is over. Listeners hear of it once per sign-out, and the other tabs are told. A failed refresh
   * counts only when this tab thought it was signed in: a visitor's first call (state unknown, no cookies)
   * ends nothing.
   */
  signedOut(reason: LogoutReason, local = true): void {
    const before = this.current
    this.current = 'signed-out'
    this.freshAt = null
    if (local) writeStoredTime(this.storageKey, null)
    if (before === 'signed-out') return
    if (local && reason === 'refresh_failed' && before !== 'signed-in') return
    if (local) this.channel?.post({ type: 'logout', reason })
    this.emit(this.logoutListeners, { reason, fromOtherTab: !local })
  }

  onLogout(listener: Listener<LogoutEvent>): () => void {
    this.logoutListeners.add(listener)
    return () => this.logoutListeners.delete(listener)
  }

  onLogin(listener: Listener<LoginEvent>): () => void {
    this.loginListeners.add(listener)
    return () => this.loginListeners.delete(listener)
  }

  private noteFresh(at: number, store: boolean): void {
    if (this.freshAt === null || at > this.freshAt) this.freshAt = at
    if (store) writeStoredTime(this.storageKey, at)
  }

  private emit<E>(listeners: Set<Listener<E>>, event: E): void {
    for (const listener of [...listeners]) {
      try {
        listener(event)
      } catch (error) {
        // One broken listener must not keep the others from hearing about a logout.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}

// localStorage holds only a timestamp (never a token), so that a reloaded page still knows the access
// cookie's age. It may be missing or throw (private mode, sandboxed frames): then the time is per tab.
function readStoredTime(key: string): number | null {
  try {
    const value = Number(globalThis.localStorage?.getItem(key) ?? Number.NaN)
    return Number.isFinite(value) && value > 0 ? value : null
  } catch {
    return null
  }
}

function writeStoredTime(key: string, at: number | null): void {
  try {
    if (at === null) globalThis.localStorage?.removeItem(key)
    else globalThis.localStorage?.setItem(key, String(at))
  } catch {
    // See readStoredTime.
  }
}
