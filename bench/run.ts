/**
 * `npm run bench` runs every scenario; `npm run bench -- user refresh` runs those only;
 * `npm run bench -- --quick` runs every scenario briefly, a smoke test of the harness (under 2
 * minutes once installed: one measured second per arm, so its ratios are rough).
 * Options: --duration S (measured seconds per arm, default 6; --quick 1), --rounds N (the measured
 * time is split into N rounds of whole seconds, interleaved between the arms; default 6, --quick 1),
 * --warmup S (whole seconds per arm, default 2, --quick 1), --connections N (wrk connections,
 * default 64), --profile (run the servers under `node --cpu-prof` and print where their time went),
 * --env KEY=VALUE (repeatable: extra environment for every Tessera server, e.g. LOG_LEVEL=silent),
 * --no-write (leave bench/RESULTS.md alone; it is only rewritten by a full run of every scenario).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BENCH_DIR, build } from './lib/build.js'
import { startBare } from './lib/children.js'
import { ensureBetterAuth, peerScenarios } from './lib/peers.js'
import { postgresScenarios } from './lib/postgres.js'
import { summarizeProfile } from './lib/profile.js'
import { countQueries } from './lib/queries.js'
import { renderReport, updateResultsFile } from './lib/report.js'
import { newRun, scenarios, type ScenarioResult } from './lib/scenarios.js'
import { ensureWrk } from './lib/wrk.js'

const runners: Record<string, (run: ReturnType<typeof newRun>) => Promise<ScenarioResult[]>> = {
  ...Object.fromEntries(Object.entries(scenarios).map(([name, fn]) => [name, async (run: ReturnType<typeof newRun>) => [await fn(run)]])),
  queries: async (run) => [await countQueries(run)],
  postgres: postgresScenarios,
  ...Object.fromEntries(Object.entries(peerScenarios).map(([name, fn]) => [name, async (run: ReturnType<typeof newRun>) => [await fn(run)]])),
}
const ALL = Object.keys(runners)

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '64' },
    profile: { type: 'boolean', default: false },
    env: { type: 'string', multiple: true, default: [] },
    'no-write': { type: 'boolean', default: false },
  },
})
const unknown = positionals.filter((name) => !ALL.includes(name))
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}\navailable: ${ALL.join(', ')}`)
  process.exit(2)
}
const selected = positionals.length > 0 ? ALL.filter((name) => positionals.includes(name)) : ALL
const quick = values.quick
const options = {
  duration: Number(values.duration ?? (quick ? 1 : 6)),
  rounds: Number(values.rounds ?? (quick ? 1 : 6)),
  warmup: Number(values.warmup ?? (quick ? 1 : 2)),
  connections: Number(values.connections),
}

const started = Date.now()
const loadBefore = loadavg()[0]!
const wrk = ensureWrk()
const betterAuth = selected.some((name) => name in peerScenarios) ? ensureBetterAuth() : undefined
build()
const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'))
// Also on Ctrl-C (bench/lib/children.ts kills the child processes and exits).
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const profileDir = values.profile ? join(BENCH_DIR, '.profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined
const bare = await startBare(profileDir && join(profileDir, 'bare'))
const serverEnv = Object.fromEntries(values.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]))
const run = newRun(options, quick, bare, dir, profileDir, serverEnv)
const results: ScenarioResult[] = []
try {
  for (const name of selected) {
    console.log(`\n▶ ${name}`)
    const t0 = Date.now()
    try {
      const added = await runners[name]!(run)
      results.push(...added)
      for (const result of added) {
        for (const row of result.rows) console.log(`  ${row.label}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, ${row.cpuPerRequest.toFixed(0)} µs CPU/req, peak RSS ${row.peakRss.toFixed(0)} MiB${row.failed ? `  FAILED: ${row.failed}` : ''}`)
        if (result.ratio) console.log(`  ratio ${result.ratio.value.toFixed(2)} (${result.ratio.of})${result.target ? ` (target ${result.target.text}: ${result.target.ok ? 'met' : 'MISSED'})` : ''}`)
        for (const note of result.notes) console.log(`  · ${note}`)
      }
    } catch (error) {
      console.error(`  ${name} could not run: ${error instanceof Error ? error.message : String(error)}`)
      results.push({ name, rows: [], notes: [`could not run: ${error instanceof Error ? error.message : String(error)}`], target: { text: 'runs', ok: false } })
    }
    console.log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`)
  }
} finally {
  await bare.stop()
  if (profileDir) summarizeProfile(join(profileDir, 'bare'), 'the bare baseline (all scenarios)')
  rmSync(dir, { recursive: true, force: true })
}

const seconds = (Date.now() - started) / 1000
const args = process.argv.slice(2).filter((a) => a !== '--no-write')
const report = renderReport(results, { options, seconds, loadBefore, wrk, betterAuth, command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}` })
console.log(`\n${report}`)
mkdirSync(join(BENCH_DIR, '.results'), { recursive: true })
writeFileSync(join(BENCH_DIR, '.results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), options, seconds, results }, null, 2))
if (selected === ALL && !quick && values.env.length === 0 && !values['no-write']) updateResultsFile(report)
console.log(`\ndone in ${seconds.toFixed(0)} s`)
process.exit(results.some((r) => r.target && !r.target.ok) ? 1 : 0)
