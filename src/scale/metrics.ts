import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { HttpMetrics } from './http-metrics.js'

let processRegistry: Registry | undefined

/**
 * The process's own metrics (CPU, memory, event-loop lag, GC), collected once per process: they
 * describe the process, and each collection installs observers that are never removed.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

/**
 * Tessera's Prometheus metrics. One registry per running Tessera (not prom-client's global one), so
 * several apps in one process (tests, a host app with two prefixes) never collide.
 */
export function createMetrics() {
  const registry = new Registry()
  const registers = [registry]
  const http = new HttpMetrics()
  return {
    registry,
    /** The exposition: the process's metrics, then Tessera's. */
    async exposition(): Promise<string> {
      return `${await processMetrics().metrics()}\n${http.exposition()}\n${await registry.metrics()}`
    },
    /** Requests by route and status, and their durations (counted on every request: see HttpMetrics). */
    http,
    loginFailures: new Counter({ name: 'tessera_login_failures_total', help: 'Failed logins by cause (invalid_credentials: an unknown user, a wrong password or an inactive account, deliberately one)', labelNames: ['cause'] as const, registers }),
    reuseDetected: new Counter({ name: 'tessera_refresh_reuse_detected_total', help: 'Replays of a rotated refresh token outside the grace window (the session was revoked)', registers }),
    revocations: new Counter({ name: 'tessera_revocations_total', help: 'Session revocations entering this instance\'s revoked set, by source (local, broadcast, catchup)', labelNames: ['source'] as const, registers }),
    revokedSessions: new Gauge({ name: 'tessera_revoked_sessions', help: 'Entries in the in-memory revoked-session set', registers }),
    dbDuration: new Histogram({
      name: 'tessera_db_duration_seconds',
      help: 'Database latency per store operation, by outcome (ok, error, unavailable)',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    dependencyUp: new Gauge({ name: 'tessera_dependency_up', help: '1 while a backing service is reachable (redis, broadcast)', labelNames: ['dependency'] as const, registers }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>

/** Times every store call into `tessera_db_duration_seconds`: the database latency as the use cases see it. */
export const storeTimer = (metrics: Metrics) => {
  // One labelled child per (operation, outcome), bound once: no label object hashed per store call.
  const children = new Map<string, Map<string, { observe(seconds: number): void }>>()
  return (operation: string, outcome: string, seconds: number): void => {
    let byOutcome = children.get(operation)
    if (!byOutcome) children.set(operation, (byOutcome = new Map()))
    let child = byOutcome.get(outcome)
    if (!child) byOutcome.set(outcome, (child = metrics.dbDuration.labels(operation, outcome)))
    child.observe(seconds)
  }
}

/**
 * One cause for every credential failure: a metric that told unknown users from wrong passwords from
 * inactive accounts would tell anyone who can read it (and watch it move) which usernames exist, and that
 * a disabled account's password was right. The audit log keeps the detail for the operator.
 */
const CREDENTIAL_FAILURES = new Set(['unknown_user', 'bad_password', 'inactive'])

/** Counts the audit events that are metrics too; the rest only go to the log. */
export function countAuditEvent(metrics: Metrics, event: string, fields: Record<string, unknown>): void {
  if (event === 'login_failed') metrics.loginFailures.inc({ cause: CREDENTIAL_FAILURES.has(String(fields.cause)) ? 'invalid_credentials' : 'other' })
  else if (event === 'reuse_detected') metrics.reuseDetected.inc()
}
