/**
 * The layer rule of DESIGN.md ("tokens, csrf, cookies, passwords, auth never import http, store, cli or
 * client") is a Biome rule in biome.jsonc. These tests run the real Biome with the real configuration on
 * a throw-away tree of probe files, so that removing or loosening the rule fails here.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome')
const INNER = ['tokens', 'csrf', 'cookies', 'passwords', 'auth'] as const
const OUTER = ['http', 'store', 'cli', 'client'] as const
const RULE = 'lint/style/noRestrictedImports'

interface Diagnostic {
  category: string
  location: { path: string }
}

/** Runs `biome lint` in `cwd`; returns the files that break the layer rule. */
function layerViolations(cwd: string, paths: string[]): string[] {
  const run = spawnSync(BIOME, ['lint', '--vcs-enabled=false', '--reporter=json', '--max-diagnostics=none', ...paths], { cwd, encoding: 'utf8' })
  assert.ok(run.stdout, `biome printed nothing: ${run.stderr}`)
  const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }
  return [...new Set(report.diagnostics.filter((d) => d.category === RULE).map((d) => d.location.path.replaceAll('\\', '/')))].sort()
}

describe('lint: the layer rule of DESIGN.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-layers-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(ROOT, 'biome.jsonc'), join(dir, 'biome.jsonc'))
  const probe = (path: string, source: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), source)
    return path
  }

  test('every inner layer importing any outer layer is an error, however the import is written', () => {
    const violations: string[] = []
    for (const inner of INNER) {
      for (const outer of OUTER) violations.push(probe(`src/${inner}/imports-${outer}.ts`, `import { thing } from '../${outer}/index.js'\nexport const used = thing\n`))
    }
    violations.push(
      probe('src/auth/type-only.ts', `import type { Database } from '../store/schema.js'\nexport type Row = Database\n`),
      probe('src/auth/re-export.ts', `export { buildServer } from '../http/server.js'\n`),
      probe('src/auth/dynamic.ts', `export const load = () => import('../cli/main.js')\n`),
      probe('src/auth/deeper/nested.ts', `import { KyselyStore } from '../../store/kysely-store.js'\nexport const S = KyselyStore\n`),
      probe('src/tokens/bare-directory.ts', `import { x } from '../store'\nexport const y = x\n`),
    )
    assert.deepEqual(layerViolations(dir, ['src']), violations.sort())
  })

  test('what the layers may import passes: their own files, errors, each other, node built-ins; outer layers are free', () => {
    const allowed = [
      probe('src/auth/ok.ts', `import type { Store } from './store.js'\nimport { TesseraError } from '../errors.js'\nimport { createTokenService } from '../tokens/index.js'\nimport { createServer } from 'node:http'\nexport type S = Store\nexport const all = [TesseraError, createTokenService, createServer]\n`),
      probe('src/http/ok.ts', `import { openStore } from '../store/index.js'\nimport { login } from '../auth/login.js'\nexport const all = [openStore, login]\n`),
      probe('src/cli/ok.ts', `import { buildServer } from '../http/index.js'\nexport const all = [buildServer]\n`),
    ]
    assert.deepEqual(layerViolations(dir, allowed), [])
  })

  test("Tessera's own source keeps the rule", () => {
    assert.deepEqual(layerViolations(ROOT, ['src']), [])
  })
})
