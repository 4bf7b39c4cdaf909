/**
 * `npm run bench` runs every scenario; `npm run bench -- user refresh` runs those only.
 * Options: --duration S (measured seconds per server, default 6), --rounds N (the measured time is
 * split into N rounds, interleaved between Tessera and its baseline; default 6), --warmup S (default
 * 1.5), --connections N (default 50), --profile (run the servers under `node --cpu-prof` and print
 * where their time went),
 * --env KEY=VALUE (repeatable: extra environment for every Tessera server, e.g. UV_THREADPOOL_SIZE=1),
 * --no-write (leave bench/RESULTS.md alone; it is only rewritten by a run of every scenario).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BENCH_DIR, build } from './lib/build.js'
import { startBare } from './lib/children.js'
import { postgresScenarios } from './lib/postgres.js'
import { summarizeProfile } from './lib/profile.js'
import { countQueries } from './lib/queries.js'
import { renderReport, updateResultsFile } from './lib/report.js'
import { newRun, scenarios, type ScenarioResult } from './lib/scenarios.js'

const ALL = [...Object.keys(scenarios), 'queries', 'postgres']

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '1.5' },
    connections: { type: 'string', default: '50' },
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
const options = { duration: Number(values.duration), rounds: Number(values.rounds), warmup: Number(values.warmup), connections: Number(values.connections) }

const started = Date.now()
const loadBefore = loadavg()[0]!
build()
const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'))
// Also on Ctrl-C (bench/lib/children.ts kills the child processes and exits).
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const profileDir = values.profile ? join(BENCH_DIR, '.profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined
const bare = await startBare(profileDir && join(profileDir, 'bare'))
const serverEnv = Object.fromEntries(values.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]))
const run = newRun(options, bare, dir, profileDir, serverEnv)
const results: ScenarioResult[] = []
try {
  for (const name of selected) {
    console.log(`\n▶ ${name}`)
    const t0 = Date.now()
    try {
      const added = name === 'queries' ? [await countQueries(run)] : name === 'postgres' ? await postgresScenarios(run) : [await scenarios[name]!(run)]
      results.push(...added)
      for (const result of added) {
        for (const row of result.rows) console.log(`  ${row.label}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, ${row.cpuPerRequest.toFixed(0)} µs CPU/req, peak RSS ${row.peakRss.toFixed(0)} MiB${row.failed ? `  FAILED: ${row.failed}` : ''}`)
        if (result.ratio) console.log(`  ratio ${result.ratio.value.toFixed(2)} of ${result.ratio.of}${result.target ? ` (target ${result.target.text}: ${result.target.ok ? 'met' : 'MISSED'})` : ''}`)
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
const report = renderReport(results, { options, seconds, loadBefore, command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}` })
console.log(`\n${report}`)
mkdirSync(join(BENCH_DIR, '.results'), { recursive: true })
writeFileSync(join(BENCH_DIR, '.results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), options, seconds, results }, null, 2))
if (selected === ALL && values.env.length === 0 && !values['no-write']) updateResultsFile(report)
console.log(`\ndone in ${seconds.toFixed(0)} s`)
process.exit(results.some((r) => r.target && !r.target.ok) ? 1 : 0)
