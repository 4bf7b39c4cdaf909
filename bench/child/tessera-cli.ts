/**
 * Tessera as `npm start` runs it: bin/tessera.js's `main(['serve'])` (settings from the
 * environment, the store opened and migrated by the server, request logs on stdout at the default
 * LOG_LEVEL, SIGTERM to stop), compiled into the bench build rather than dist/.
 */
import { main } from '../../src/cli/main.js'

const code = await main(['serve'])
if (code !== 0) process.exit(code)
