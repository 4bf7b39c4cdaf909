import type { LogoutReason } from './types.js'

/** What the tabs of one origin tell each other about one Tessera server. */
export type TabMessage =
  | { type: 'logout'; reason: LogoutReason }
  | { type: 'login'; at: number }
  | { type: 'refreshed'; at: number }
  | { type: 'lock-claim'; id: string; at: number }
  | { type: 'lock-release'; id: string }

/** A BroadcastChannel, or nothing where there is none (then every tab is on its own). */
export interface TabChannel {
  post(message: TabMessage): void
  listen(listener: (message: TabMessage) => void): void
}

export function openTabChannel(name: string): TabChannel | null {
  if (typeof BroadcastChannel === 'undefined') return null
  const channel = new BroadcastChannel(name)
  // Node's BroadcastChannel (a client used in a script or a test) would keep the process alive; browsers have no unref.
  ;(channel as { unref?: () => void }).unref?.()
  return {
    post: (message) => channel.postMessage(message),
    listen: (listener) => channel.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (isTabMessage(event.data)) listener(event.data)
    }),
  }
}

function isTabMessage(data: unknown): data is TabMessage {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string'
}

/**
 * Runs a task while holding a lock shared by every tab of the origin. The task learns whether it had to
 * wait, that is whether another tab held the lock first: for a refresh that means another tab has just
 * refreshed, and the shared cookie jar already holds the new cookies.
 */
export type TabLock = <T>(task: (waited: boolean) => Promise<T>) => Promise<T>

/** The Web Locks API where there is one (every current browser), else a BroadcastChannel protocol, else none. */
export function createTabLock(name: string, channel: TabChannel | null): TabLock {
  if (typeof navigator !== 'undefined' && navigator.locks) return webLock(navigator.locks, name)
  if (channel) return channelLock(channel)
  return (task) => task(false)
}

function webLock(locks: LockManager, name: string): TabLock {
  return async (task) => {
    // Try without waiting first, so that the task knows whether someone else was refreshing.
    const first = await locks.request(name, { ifAvailable: true }, async (lock) => (lock ? { value: await task(false) } : null))
    if (first) return first.value
    return locks.request(name, async () => task(true))
  }
}

/** How long a claim waits for objections; messages between tabs of one browser arrive in well under this. */
const CLAIM_SETTLE_MS = 50
/** A claim of a tab that died mid-refresh (closed) is ignored after this. */
const CLAIM_TTL_MS = 10_000

/**
 * The fallback for browsers without Web Locks (Safari before 15.4): a tab posts a claim, waits for objections,
 * and the oldest claim (ties broken by id) wins; the others wait for its release. Two claims inside the same
 * few milliseconds are resolved the same way by both tabs, so only one refreshes. Should a message ever be
 * late, both refresh: the server's reuse grace window gives the second the same successor, so nobody is
 * logged out.
 */
function channelLock(channel: TabChannel): TabLock {
  const me = Math.random().toString(36).slice(2) + Date.now().toString(36)
  const claims = new Map<string, number>()
  const released = new Set<() => void>()
  channel.listen((message) => {
    if (message.type === 'lock-claim') claims.set(message.id, message.at)
    else if (message.type === 'lock-release') {
      claims.delete(message.id)
      for (const wake of released) wake()
    }
  })
  const live = () => {
    const now = Date.now()
    for (const [id, at] of claims) if (now - at > CLAIM_TTL_MS) claims.delete(id)
    return claims
  }
  const waitForRelease = () => new Promise<void>((resolve) => {
    const wake = () => {
      released.delete(wake)
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(wake, CLAIM_TTL_MS)
    released.add(wake)
  })
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

  return async (task) => {
    let waited = false
    for (;;) {
      if (live().size > 0) {
        waited = true
        await waitForRelease()
        continue
      }
      const at = Date.now()
      channel.post({ type: 'lock-claim', id: me, at })
      await sleep(CLAIM_SETTLE_MS)
      const beaten = [...live()].some(([id, theirs]) => theirs < at || (theirs === at && id < me))
      if (!beaten) break
      channel.post({ type: 'lock-release', id: me })
      waited = true
    }
    try {
      return await task(waited)
    } finally {
      channel.post({ type: 'lock-release', id: me })
    }
  }
}
