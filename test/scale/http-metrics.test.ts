import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counter, Histogram, Registry } from 'prom-client'
import { HttpMetrics } from '../../src/scale/http-metrics.js'

/** What prom-client printed for the same requests, before the counters were written by hand. */
async function promClientText(requests: [string, string, number, number][]): Promise<string> {
  const registry = new Registry()
  const registers = [registry]
  const count = new Counter({ name: 'tessera_http_requests_total', help: 'HTTP requests by method, route (the route pattern) and status', labelNames: ['method', 'route', 'status'], registers })
  const duration = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  })
  for (const [method, route, status, seconds] of requests) {
    count.inc({ method, route, status: String(status) })
    duration.observe({ method, route }, seconds)
  }
  return registry.metrics()
}

const lines = (text: string) => text.split('\n').filter(Boolean).sort()

test("prints what prom-client printed: the same names, labels, buckets and values", async () => {
  const requests: [string, string, number, number][] = [
    ['GET', '/accounts/user/', 200, 0.0004],
    ['GET', '/accounts/user/', 200, 0.003],
    ['GET', '/accounts/user/', 401, 0.02],
    ['POST', '/accounts/auth/login/', 200, 0.75],
    ['POST', '/accounts/auth/login/', 400, 7],
    ['GET', 'unmatched', 404, 0.001],
    ['GET', '/route/"with\\odd\nchars"', 200, 0.005],
  ]
  const metrics = new HttpMetrics()
  for (const [method, route, status, seconds] of requests) metrics.record(method, route, status, seconds)
  assert.deepEqual(lines(metrics.exposition()), lines(await promClientText(requests)))
})

test('a scanner cannot grow the series without bound: at most 1000 (method, route) pairs', () => {
  const metrics = new HttpMetrics()
  for (let i = 0; i < 1500; i++) metrics.record('GET', `/r${i}`, 200, 0.001)
  const text = metrics.exposition()
  assert.equal((text.match(/^tessera_http_requests_total\{/gm) ?? []).length, 1000)
  assert.match(text, /route="\/r999"/)
  assert.doesNotMatch(text, /route="\/r1000"/)
})
