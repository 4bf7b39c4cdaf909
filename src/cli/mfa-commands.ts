import { parseArgs } from 'node:util'
import { TesseraError } from '../errors.js'
import type { Command } from './commands.js'
import { withRuntime } from './settings.js'

/** An operator's way back in for a user who lost their second factor (allauth's admin action, as a command). */
export const mfaCommand: Command = {
  summary: "reset a user's second factors: `mfa reset USERNAME` removes them, revokes every session and mails a notice",
  usage: 'reset USERNAME',
  async run(args) {
    const { positionals } = parseArgs({ args, allowPositionals: true, strict: true })
    const [action, username] = positionals
    if (action !== 'reset' || !username || positionals.length !== 2) throw new TesseraError('ERR_VALIDATION', 'usage: tessera mfa reset USERNAME')
    // `publish`: running servers refuse the user's sessions at once, not at their next catch-up read.
    await withRuntime('publish', async ({ auth, store }) => {
      const user = await store.findUserByUsername(username)
      if (!user) throw new TesseraError('ERR_NOT_FOUND', `user '${username}' does not exist`)
      const removed = await auth.resetFactors(user.id)
      console.log(removed ? `Second factors of '${user.username}' removed; their sessions were revoked and a notice queued.` : `User '${user.username}' had no second factor; their sessions were revoked.`)
    })
  },
}
