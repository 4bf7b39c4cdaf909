import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ENV_VARIABLES } from '../../src/config/index.js'

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
const section = (title: string) => README.slice(README.indexOf(`## ${title}`), README.indexOf('\n## ', README.indexOf(`## ${title}`) + 3))

/** README's "Protecting your own routes" example, with only the edits a test needs (each must match once). */
function example(prefix: string): string {
  const code = /```ts\n([\s\S]*?)```/.exec(section('Protecting your own routes'))?.[1]
  assert.ok(code, 'the README has the example')
  const edits: [string, string][] = [
    // This checkout stands in for the installed packages.
    ["from 'tessera'", `from '${new URL('../../src/index.ts', import.meta.url).href}'`],
    ["from 'fastify'", `from '${import.meta.resolve('fastify')}'`],
    // A port the OS picks, announced in Fastify's log line.
    ['port: 3000', 'port: 0'],
    ["prefix: '/accounts'", `prefix: '${prefix}'`],
  ]
  return edits.reduce((text, [from, to]) => {
    assert.equal(text.split(from).length, 2, `the example contains ${from} once`)
    return text.replace(from, to)
  }, code)
}

/** Runs the example as its own process (as a newcomer would), resolving with its base URL. */
async function start(prefix: string, dir: string): Promise<{ url: string; child: ChildProcess }> {
  // A newcomer's project: ES modules (the example uses top-level await).
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  const file = join(dir, 'app.ts')
  writeFileSync(file, example(prefix))
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), file], {
    cwd: dir,
    env: { PATH: process.env.PATH, SECRET_KEY: 'readme-example-secret-key-0123456789abcdefghij' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example did not start:\n${output}`)), 30_000)
    const read = (chunk: Buffer) => {
      output += chunk
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.on('exit', (code) => reject(new Error(`the example exited (${code}):\n${output}`)))
  })
  return { url, child }
}

/** A browser's cookie jar: it sends a cookie only under its Path. */
class Jar {
  readonly cookies = new Map<string, { value: string; path: string }>()
  constructor(private readonly base: string) {}

  async request(method: string, path: string, options: { body?: unknown; csrf?: boolean } = {}) {
    const cookie = [...this.cookies].filter(([, c]) => path.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`).join('; ')
    const headers: Record<string, string> = { ...(cookie && { cookie }), ...(options.body !== undefined && { 'content-type': 'application/json' }) }
    if (options.csrf) headers['x-csrftoken'] = this.cookies.get('csrftoken')!.value
    const response = await fetch(`${this.base}${path}`, { method, headers, ...(options.body !== undefined && { body: JSON.stringify(options.body) }) })
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(/;\s*/)
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)]
      const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/'
      if (attributes.some((a) => /^max-age=0$/i.test(a))) this.cookies.delete(name)
      else this.cookies.set(name, { value, path })
    }
    return response
  }
}

describe("README's example, run as written", () => {
  const dirs: string[] = []
  const children: ChildProcess[] = []
  after(() => {
    for (const child of children) child.kill()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  for (const prefix of ['/accounts', '/auth']) {
    test(`with prefix '${prefix}': register, login, refresh, and the host's routes`, { timeout: 60_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-readme-'))
      dirs.push(dir)
      const { url, child } = await start(prefix, dir)
      children.push(child)
      const jar = new Jar(url)
      const account = { username: 'newcomer', password: 'a long enough passphrase' }
      assert.equal((await jar.request('POST', `${prefix}/auth/register/`, { body: account })).status, 201)
      assert.equal((await jar.request('POST', `${prefix}/auth/login/`, { body: account })).status, 200)
      assert.equal(jar.cookies.get('refresh_token')?.path, `${prefix}/auth/`, "the refresh cookie's Path follows the prefix")
      const refreshed = await jar.request('POST', `${prefix}/auth/refresh_token/`)
      assert.equal(refreshed.status, 200, await refreshed.clone().text())

      const me = await jar.request('GET', '/api/me')
      assert.deepEqual(await me.json(), { username: 'newcomer' })
      const forged = await jar.request('POST', '/api/notes', { body: {} })
      assert.equal(forged.status, 403, 'the access cookie without the CSRF token')
      const genuine = await jar.request('POST', '/api/notes', { body: {}, csrf: true })
      assert.equal(genuine.status, 200)
      assert.equal(typeof (await genuine.json()).savedFor, 'number')
      assert.equal((await jar.request('POST', '/api/webhook', { body: {} })).status, 200, 'config: { csrf: false } opts out')
      child.kill()
    })
  }
})

describe("README's settings table", () => {
  test('names every environment variable with its option', () => {
    const table = section('Configuration')
    for (const [variable, [path]] of Object.entries(ENV_VARIABLES)) {
      const row = table.split('\n').find((line) => line.startsWith('| ') && line.split(' | ')[0]!.includes(`\`${variable}\``))
      assert.ok(row, `${variable} has a row`)
      assert.ok(row.split(' | ')[1]!.includes(`\`${path}\``), `${variable}'s row names ${path}`)
    }
  })
})
