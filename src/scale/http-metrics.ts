/** Upper bounds (seconds) of `tessera_http_request_duration_seconds`. */
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const
/** (method, route) pairs kept: only route patterns come in, so this bounds a host app's own patterns. */
const MAX_SERIES = 1000

/** One (method, route): its requests by status, and its duration histogram. */
class RouteSeries {
  readonly byStatus = new Map<number, number>()
  /** Non-cumulative counts per bucket; the last one is +Inf. */
  readonly buckets = new Float64Array(BUCKETS.length + 1)
  count = 0
  sum = 0

  record(status: number, seconds: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1)
    let i = 0
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++
    this.buckets[i]!++
    this.count++
    this.sum += seconds
  }
}

/** A Prometheus label value: backslash, double quote and newline escaped. */
const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

/**
 * `tessera_http_requests_total{method,route,status}` and `tessera_http_request_duration_seconds{method,route}`
 * as prom-client printed them, counted by hand: prom-client hashes a label set on every `inc` and
 * `observe` (an object and strings per request); here a request is two Map lookups of strings the
 * router already holds and a few additions. The text is made only when `/metrics` is read.
 */
export class HttpMetrics {
  readonly #series = new Map<string, Map<string, RouteSeries>>()
  #size = 0

  /** Counts a finished request: `route` is the route pattern ('unmatched' for a 404 without a route). */
  record(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.#series.get(route)
    if (!byMethod) {
      if (this.#size >= MAX_SERIES) return
      this.#series.set(route, (byMethod = new Map()))
    }
    let series = byMethod.get(method)
    if (!series) {
      if (this.#size >= MAX_SERIES) return
      byMethod.set(method, (series = new RouteSeries()))
      this.#size++
    }
    series.record(status, seconds)
  }

  /** The Prometheus text exposition of both metrics. */
  exposition(): string {
    const requests = ['# HELP tessera_http_requests_total HTTP requests by method, route (the route pattern) and status', '# TYPE tessera_http_requests_total counter']
    const duration = 'tessera_http_request_duration_seconds'
    const durations = [`# HELP ${duration} HTTP request duration by method and route`, `# TYPE ${duration} histogram`]
    for (const [route, byMethod] of this.#series) {
      for (const [method, series] of byMethod) {
        const labels = `method="${label(method)}",route="${label(route)}"`
        for (const [status, value] of series.byStatus) requests.push(`tessera_http_requests_total{${labels},status="${status}"} ${value}`)
        let cumulative = 0
        for (let i = 0; i <= BUCKETS.length; i++) {
          cumulative += series.buckets[i]!
          durations.push(`${duration}_bucket{le="${i < BUCKETS.length ? BUCKETS[i] : '+Inf'}",${labels}} ${cumulative}`)
        }
        durations.push(`${duration}_sum{${labels}} ${series.sum}`, `${duration}_count{${labels}} ${series.count}`)
      }
    }
    return `${requests.join('\n')}\n\n${durations.join('\n')}\n`
  }
}
