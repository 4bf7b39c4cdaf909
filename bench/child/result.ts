/** What one round of load measured (a wrk run, or a round of raw argon2 verifications). */
export interface LoadResult {
  requests: number
  /** Seconds, as the load generator measured the round. */
  duration: number
  rps: number
  /** Milliseconds. */
  p50: number
  p99: number
  /** Socket errors: connect, read, write. */
  errors: number
  timeouts: number
  /** Answers with a status ≥ 400 (wrk counts 1xx–3xx as successes). */
  non2xx: number
  /** Requests handed out so far (over all rounds): the pool offset of the next round. */
  spent: number
  /** A consume-once pool ran out (the requests past its end were sent to a missing path). */
  exhausted: boolean
}
