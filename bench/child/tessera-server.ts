/**
 * Tessera as `tessera serve` runs it (settings from the environment, the store opened and migrated by
 * the server itself), on a port the OS picks, announced to the runner over IPC.
 */
import type { AddressInfo } from 'node:net'
import { loadOptions } from '../../src/config/index.js'
import { buildServer, runtimeOf } from '../../src/http/index.js'

const app = await buildServer(loadOptions(process.env).options)
await app.listen({ host: '127.0.0.1', port: 0 })

async function stop(): Promise<void> {
  await app.close()
  // A normal exit, so that `--cpu-prof` writes its profile.
  process.exit(0)
}
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') void stop()
})
process.on('disconnect', () => void stop())
process.send!({ type: 'ready', port: (app.server.address() as AddressInfo).port, revoked: runtimeOf(app).auth.revocations.size })
