/**
 * The HTTP contract on PostgreSQL, in every `npm test`: a representative part of test/http runs here
 * with TESSERA_TEST_DB=postgres (each test app on a fresh database). The whole suite runs on
 * PostgreSQL with `TESSERA_TEST_DB=postgres npm test -- test/http`.
 */
import { test } from 'node:test'
import { pgUnavailable } from '../support/postgres.js'

const SUITES = ['../http/smoke.test.js', '../http/refresh.test.js', '../http/logout.test.js']

const unavailable = await pgUnavailable()
if (unavailable) {
  test('HTTP contract on PostgreSQL', { skip: unavailable }, () => {})
} else {
  process.env.TESSERA_TEST_DB = 'postgres'
  for (const suite of SUITES) await import(suite)
}
