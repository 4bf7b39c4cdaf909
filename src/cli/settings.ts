import { loadOptions, resolveOptions, type Config, type TesseraOptions } from '../config/index.js'
import { createRuntime, type Logger, type Runtime } from '../runtime.js'
import type { BackgroundMode } from '../scale/index.js'

/** Warnings to stderr; routine messages are not a command's output. */
const consoleLog: Logger = {
  info: () => {},
  warn: (...args) => console.error(`warning: ${args.length === 1 ? args[0] : args[1]}`),
}

/** The command's settings: the environment (and ./.env, read by main) through the one adapter, validated. */
export function loadSettings(): { options: TesseraOptions; config: Config } {
  const { options, warnings } = loadOptions(process.env)
  for (const warning of warnings) consoleLog.warn(warning)
  return { options, config: resolveOptions(options) }
}

/**
 * Opens the configured database (migrated) and the services, runs `fn`, and closes everything. Starts
 * only the background a command needs: `publish` when its revocations must reach running servers at once.
 */
export async function withRuntime<T>(background: BackgroundMode, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await createRuntime(loadSettings().config, { log: consoleLog, background })
  try {
    return await fn(runtime)
  } finally {
    await runtime.close()
  }
}
