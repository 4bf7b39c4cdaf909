export { resolveConfig, ALGORITHMS, type Config, type Algorithm, type CookieSettings, type TokenSettings, type RateLimitSettings, type SameSite } from './config.js'
export { loadConfig, loadDotEnv, type LoadedConfig } from './load.js'
export { parseDuration, type Env } from './parse.js'
