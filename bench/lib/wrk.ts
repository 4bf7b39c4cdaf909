/**
 * The HTTP load generator: wrk (one thread, its own process, written in C: it needs far less CPU
 * per request than a Node client, so more of the 2 cores is left to the server). The requests are
 * prepared here, byte for byte, and replayed by bench/wrk/replay.lua; a round is one wrk run.
 */
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Shape } from '../child/shapes.js'
import type { LoadResult } from '../child/result.js'
import { BENCH_DIR } from './build.js'
import { track } from './children.js'

const SCRIPT = join(BENCH_DIR, 'wrk', 'replay.lua')

/** Debian's wrk, installed with apt-get when it is missing. Returns its version line. */
export function ensureWrk(): string {
  const probe = () => spawnSync('wrk', ['-v'], { encoding: 'utf8' })
  let found = probe()
  if (found.error) {
    console.log('wrk is missing: installing it (apt-get install wrk)')
    const sudo = process.getuid?.() === 0 ? [] : ['sudo']
    const install = spawnSync(sudo.length ? 'sudo' : 'apt-get', [...(sudo.length ? ['apt-get'] : []), 'install', '-y', 'wrk'], { stdio: 'inherit' })
    if (install.status !== 0) throw new Error('could not install wrk with apt-get; install it (Debian/Ubuntu: apt-get install wrk) and run again')
    found = probe()
  }
  return `${found.stdout}${found.stderr}`.split('\n')[0]!.trim()
}

/** Renders `shapes` as raw HTTP/1.1 requests to `host` into `file`, in the format replay.lua reads. */
export function writeRequests(file: string, host: string, shapes: Shape[]): void {
  const parts: Buffer[] = []
  for (const shape of shapes) {
    let text = `${shape.method} ${shape.path} HTTP/1.1\r\nHost: ${host}\r\n`
    for (const [name, value] of Object.entries(shape.headers)) text += `${name}: ${value}\r\n`
    if (shape.body !== undefined) text += `Content-Length: ${Buffer.byteLength(shape.body)}\r\n\r\n${shape.body}`
    else text += '\r\n'
    const bytes = Buffer.from(text)
    parts.push(Buffer.from(`${bytes.length}\n`), bytes)
  }
  writeFileSync(file, Buffer.concat(parts))
}

export interface WrkSpec {
  url: string
  /** A file that writeRequests made. */
  file: string
  /** Send each request at most once (consumed tokens), or cycle through the file. */
  once: boolean
  connections: number
}

/** A load of rounds; each round is one wrk process, and takes the requests after the previous round's. */
export interface Load {
  label: string
  round(seconds: number): Promise<LoadResult>
  close(): void
}

export function wrkLoad(label: string, spec: WrkSpec): Load {
  let offset = 0
  return {
    label,
    close() {},
    round(seconds) {
      // wrk takes whole seconds.
      const args = ['-t1', `-c${spec.connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--timeout', '20s', '-s', SCRIPT, spec.url, '--', spec.file, String(offset), spec.once ? 'once' : 'cycle']
      return new Promise((resolve, reject) => {
        const child = track(spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] }))
        let out = ''
        child.stdout!.on('data', (chunk: Buffer) => (out += chunk))
        child.stderr!.on('data', (chunk: Buffer) => (out += chunk))
        child.once('error', reject)
        child.once('exit', (code) => {
          const line = /^WRK (\{.*\})$/m.exec(out)?.[1]
          if (code !== 0 || !line) return reject(new Error(`${label}: wrk exited with ${code}:\n${out.trim()}`))
          const r = JSON.parse(line) as Record<string, number>
          offset = r.next!
          const duration = r.duration_us! / 1e6
          resolve({
            requests: r.requests!,
            duration,
            rps: r.requests! / duration,
            p50: r.p50_us! / 1000,
            p99: r.p99_us! / 1000,
            errors: r.connect! + r.read! + r.write!,
            timeouts: r.timeout!,
            non2xx: r.status!,
            spent: offset,
            exhausted: r.exhausted === 1,
          })
        })
      })
    },
  }
}
