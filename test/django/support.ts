import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { main } from '../../src/cli/main.js'

/** The Django database made by `scripts/django/djangotool.py fixture` (Django's migrate + create_user). */
export const FIXTURE = fileURLToPath(new URL('../fixtures/django-auth.sqlite3', import.meta.url))

export interface FixtureUser {
  id: number
  username: string
  password: string | null
  hasher: string
  email: string
  first_name: string
  last_name: string
  is_active: boolean
  is_staff: boolean
  is_superuser: boolean
  date_joined_ms: number
  last_login_ms: number | null
}

/** What the script wrote beside the fixture: the users, their passwords, the Django version. */
export const FIXTURE_INFO = JSON.parse(readFileSync(new URL('../fixtures/django-auth.json', import.meta.url), 'utf8')) as { django: string; users: FixtureUser[] }
export const fixtureUser = (username: string): FixtureUser => FIXTURE_INFO.users.find((u) => u.username === username)!

/** Debian's interpreter, where apt installs Django (the pyenv `python3` on PATH has no Django). */
const PYTHON = '/usr/bin/python3'
const TOOL = fileURLToPath(new URL('../../scripts/django/djangotool.py', import.meta.url))

/** A skip message when Django + SimpleJWT are not importable, else false. */
export function djangoMissing(): string | false {
  const probe = spawnSync(PYTHON, ['-c', 'import django, rest_framework, rest_framework_simplejwt, jwt'], { stdio: 'ignore' })
  return probe.status === 0
    ? false
    : `${PYTHON} cannot import django/rest_framework_simplejwt/jwt: apt-get install python3-django python3-djangorestframework python3-djangorestframework-simplejwt python3-jwt (.ci/run does)`
}

/** Runs `djangotool.py <command> --db <db> --secret <secret>` and parses its JSON output. */
export function djangotool<T>(command: 'issue' | 'verify', db: string, secret: string, input?: unknown): T {
  const out = execFileSync(PYTHON, [TOOL, command, '--db', db, '--secret', secret], {
    input: input === undefined ? '' : JSON.stringify(input),
    encoding: 'utf8',
    timeout: 60_000,
  })
  return JSON.parse(out) as T
}

/** A writable copy of the fixture in a temp dir (SimpleJWT records the refresh tokens it issues). */
export function copyFixture(): { path: string; dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-django-'))
  const path = join(dir, 'django.sqlite3')
  copyFileSync(FIXTURE, path)
  return { path, dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Runs the real `tessera` command line in this process with `env` added to the environment, and
 * collects what it prints. (Each test file runs in its own process, so the environment is ours.)
 */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const saved = { ...process.env }
  const out: string[] = []
  const err: string[] = []
  const log = console.log
  const error = console.error
  Object.assign(process.env, env)
  console.log = (...parts: unknown[]) => void out.push(parts.join(' '))
  console.error = (...parts: unknown[]) => void err.push(parts.join(' '))
  try {
    const code = await main(args)
    return { code, out: out.join('\n'), err: err.join('\n') }
  } finally {
    console.log = log
    console.error = error
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  }
}
