import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveConfig, type Config } from './config.js'
import type { Env } from './parse.js'

export interface LoadedConfig {
  config: Config
  /** Messages to log once the logger exists (for example a generated development key). */
  warnings: string[]
}

/** Reads `./.env` into the environment (variables already set win), when the file exists. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path)
}

/**
 * Resolves the configuration from the environment. Outside production, a missing SECRET_KEY is
 * generated once and kept in `<DATA_DIR>/secret_key`, so restarts keep tokens valid.
 */
export function loadConfig(env: Env = process.env): LoadedConfig {
  const warnings: string[] = []
  let effective = env
  const production = env.NODE_ENV === 'production'
  if (!env.SECRET_KEY?.trim() && !production) {
    const dataDir = env.DATA_DIR?.trim() || './data'
    const file = join(dataDir, 'secret_key')
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true })
      writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 })
      warnings.push(`SECRET_KEY is not set: generated a development key in ${file}; set SECRET_KEY in production`)
    } else {
      warnings.push(`SECRET_KEY is not set: using the development key in ${file}`)
    }
    effective = { ...env, SECRET_KEY: readFileSync(file, 'utf8').trim() }
  }
  return { config: resolveConfig(effective), warnings }
}
