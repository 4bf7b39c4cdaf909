import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from './config.js'
import { optionsFromEnv } from './env.js'
import type { TesseraOptions } from './options.js'
import type { Env } from './parse.js'
import { resolveOptions } from './resolve.js'

export interface LoadedOptions {
  options: TesseraOptions
  /** Messages to log once the logger exists (for example a generated development key). */
  warnings: string[]
}

/** Reads `./.env` into the environment (variables already set win), when the file exists. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path)
}

/**
 * The options of `tessera serve` and the CLI: `optionsFromEnv(env)`, and outside production a missing
 * SECRET_KEY generated once and kept in `<DATA_DIR>/secret_key`, so restarts keep tokens valid.
 */
export function loadOptions(env: Env): LoadedOptions {
  const warnings: string[] = []
  const options = optionsFromEnv(env)
  if (options.tokens?.secretKey === undefined && options.env !== 'production') {
    const dataDir = options.dataDir ?? './data'
    const file = join(dataDir, 'secret_key')
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true })
      writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 })
      warnings.push(`SECRET_KEY is not set: generated a development key in ${file}; set SECRET_KEY in production`)
    } else {
      warnings.push(`SECRET_KEY is not set: using the development key in ${file}`)
    }
    options.tokens = { ...options.tokens, secretKey: readFileSync(file, 'utf8').trim() }
  }
  return { options, warnings }
}

/** `resolveOptions(optionsFromEnv(env))`: the settings from environment variables alone (no development key). */
export function resolveConfig(env: Env): Config {
  return resolveOptions(optionsFromEnv(env))
}
