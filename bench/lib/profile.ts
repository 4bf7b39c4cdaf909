/**
 * Reads the `.cpuprofile` that `node --cpu-prof` wrote and prints where the server's time went: the
 * top functions by self time, and Tessera's own functions (src/) by inclusive time.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { BUILD_DIR, ROOT } from './build.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const where = (frame: ProfileNode['callFrame']): string => {
  const url = frame.url.replace(/^file:\/\//, '')
  const file = url.startsWith(BUILD_DIR) ? relative(BUILD_DIR, url) : url.includes('/node_modules/') ? url.slice(url.lastIndexOf('/node_modules/') + 14) : url ? relative(ROOT, url) : '(native)'
  return `${frame.functionName || '(anonymous)'} ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`
}

export interface ProfileSummary {
  totalMs: number
  self: { name: string; ms: number; share: number }[]
  ours: { name: string; ms: number; share: number }[]
  /** Self time by where the code lives: Tessera's src/, each npm package, Node's internals, native. */
  packages: { name: string; ms: number; share: number }[]
}

const packageOf = (url: string): string => {
  const path = url.replace(/^file:\/\//, '')
  if (path.startsWith(`${BUILD_DIR}/src/`)) return `tessera ${path.slice(BUILD_DIR.length + 5).split('/')[0]}/`
  const nm = path.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = path.slice(nm + 14).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (path.startsWith('node:')) return 'node (internals)'
  return path === '' ? '(native: syscalls, GC, C++)' : 'other'
}

export function analyze(profile: Profile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfMs = new Map<number, number>()
  for (const [i, id] of profile.samples.entries()) selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  const totalMs = [...selfMs.values()].reduce((a, b) => a + b, 0)
  const idle = (n: ProfileNode) => n.callFrame.functionName === '(idle)'

  const selfByName = new Map<string, number>()
  const byPackage = new Map<string, number>()
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)!
    if (idle(node)) continue
    selfByName.set(where(node.callFrame), (selfByName.get(where(node.callFrame)) ?? 0) + ms)
    const pkg = packageOf(node.callFrame.url)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms)
  }
  // Inclusive time of each of our functions, counted once per stack even when it recurses.
  const inclusive = new Map<string, number>()
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!
    let ms = selfMs.get(id) ?? 0
    const name = where(node.callFrame)
    const ours = node.callFrame.url.includes(`${BUILD_DIR}/src/`) && !onStack.has(name)
    if (ours) onStack.add(name)
    for (const child of node.children ?? []) ms += walk(child, onStack)
    if (ours) {
      onStack.delete(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms)
    }
    return ms
  }
  walk(profile.nodes[0]!.id, new Set())
  const busy = totalMs - [...selfMs].filter(([id]) => idle(byId.get(id)!)).reduce((a, [, ms]) => a + ms, 0)
  const rank = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, ms, share: ms / busy }))
  return { totalMs: busy, self: rank(selfByName), ours: rank(inclusive), packages: rank(byPackage) }
}

/** Prints the summary of every profile in `dir` (one per server process). */
export function summarizeProfile(dir: string, label: string): ProfileSummary[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
  return files.map((file) => {
    const summary = analyze(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile)
    const line = (e: { name: string; ms: number; share: number }) => `  ${(e.share * 100).toFixed(1).padStart(5)} %  ${e.ms.toFixed(0).padStart(6)} ms  ${e.name}`
    console.log(`\nprofile of ${label} (${join(dir, file)}), ${summary.totalMs.toFixed(0)} ms busy`)
    console.log(' top self time:')
    for (const e of summary.self) console.log(line(e))
    console.log(' self time by package:')
    for (const e of summary.packages) console.log(line(e))
    console.log(' Tessera functions, inclusive time:')
    for (const e of summary.ours) console.log(line(e))
    return summary
  })
}
