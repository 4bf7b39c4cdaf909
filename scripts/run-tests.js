// `npm test`: every test/**/*.test.ts with node's test runner (TypeScript through tsx).
// Arguments narrow the run: `npm test -- test/csrf` or `npm test -- test/http/login.test.ts`.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : []
  return readdirSync(path).sort().flatMap((name) => collect(join(path, name)))
}

const roots = process.argv.slice(2)
const files = (roots.length > 0 ? roots : ['test']).flatMap(collect)
if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
})
process.exit(result.status ?? 1)
