/** The results as a Markdown table, and its place in bench/RESULTS.md. */
import { cpus, loadavg } from 'node:os'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH_DIR } from './build.js'
import type { Options } from './measure.js'
import type { ScenarioResult } from './scenarios.js'

const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'

const num = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–')

export function renderReport(results: ScenarioResult[], meta: { options: Options; seconds: number; command: string; loadBefore: number; wrk: string; betterAuth?: string }): string {
  const lines = [
    `Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: \`${meta.command}\`; per server ${meta.options.duration} s measured in ${meta.options.rounds} interleaved rounds ` +
      `after ${meta.options.warmup} s of warm-up per arm; load from ${meta.wrk.replace(/ Copyright.*$/, '')}, one thread, ${meta.options.connections} connections (logins: 8)${meta.betterAuth ? `; better-auth ${meta.betterAuth}` : ''}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}; ` +
      `load average ${meta.loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after; the whole run took ${num(meta.seconds)} s.`,
    '',
    '| scenario | arm | req/s | p50 ms | p99 ms | errors / ≥ 400 | CPU µs/req | CPU (cores) | peak RSS MiB | ratio | target | |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ]
  for (const result of results) {
    const verdict = result.target ? (result.target.ok ? '✅' : '❌') : ''
    if (result.rows.length === 0) {
      lines.push(`| ${result.name} | | | | | | | | | | ${result.target?.text ?? ''} | ${verdict} |`)
      continue
    }
    for (const [i, row] of result.rows.entries()) {
      const bad = row.errors + row.timeouts + row.non2xx
      const ratio = i === 0 && result.ratio ? `${result.ratio.value.toFixed(2)} (${result.ratio.of})` : ''
      const target = i === 0 && result.target ? result.target.text : ''
      const rps = row.failed ? `FAILED (${num(row.rps)})` : num(row.rps)
      lines.push(
        `| ${i === 0 ? result.name : ''} | ${row.label} | ${rps} | ${num(row.p50, 1)} | ${num(row.p99, 1)} | ${bad} | ${num(row.cpuPerRequest)} | ${num(row.cpuUtil, 2)} | ${num(row.peakRss)} | ${ratio} | ${target} | ${i === 0 ? verdict : ''} |`,
      )
    }
  }
  lines.push('')
  for (const result of results) {
    const failures = result.rows.filter((r) => r.failed).map((r) => `${r.label} failed: ${r.failed}`)
    const notes = [...failures, ...result.notes]
    if (notes.length > 0) lines.push(`- **${result.name}**: ${notes.join('; ')}.`)
  }
  return lines.join('\n')
}

/** Replaces the generated section of bench/RESULTS.md (between the markers), keeping the prose around it. */
export function updateResultsFile(report: string): void {
  const file = join(BENCH_DIR, 'RESULTS.md')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    text = `# Benchmark results\n\n${START}\n${END}\n`
  }
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  const section = `${START}\n${report}\n${END}`
  text = start >= 0 && end > start ? text.slice(0, start) + section + text.slice(end + END.length) : `${text.trimEnd()}\n\n${section}\n`
  writeFileSync(file, text)
  console.log(`wrote ${file}`)
}
