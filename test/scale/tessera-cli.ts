/**
 * `bin/tessera.js` from source, for tests that need real separate processes. `TESSERA_TEST_START_AT`
 * (epoch ms) holds the command until then, so several processes start within a millisecond.
 */
import { main } from '../../src/cli/main.js'

const at = Number(process.env.TESSERA_TEST_START_AT ?? 0)
if (at > Date.now()) await new Promise((resolve) => setTimeout(resolve, at - Date.now()))
const code = await main(process.argv.slice(2))
if (process.argv[2] !== 'serve' || code !== 0) process.exit(code)
