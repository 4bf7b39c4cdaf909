/** What Linux says about a process: CPU time and resident memory (the server is measured from outside). */
import { readFileSync, writeFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100 // USER_HZ: 100 on every Linux that Node supports

/** User + system CPU seconds the process has used so far (/proc/<pid>/stat fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) is in parentheses and may contain spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** Resident set size now (VmRSS) and its peak since start or the last reset (VmHWM), in MiB. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 }
}

/** Restarts the VmHWM peak from the current RSS (Linux ≥ 4.0; a no-op where not permitted). */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // Not fatal: the peak then covers the process's whole life.
  }
}
