import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { addKey, sealStoredKeys, validatePassword } from '../auth/index.js'
import { loadOptions } from '../config/index.js'
import { TesseraError, ValidationError } from '../errors.js'
import { buildServer } from '../http/index.js'
import { openStore } from '../store/index.js'
import { importDjangoCommand } from './import-django.js'
import { outboxCommand, sendTestEmailCommand } from './mail-commands.js'
import { mfaCommand } from './mfa-commands.js'
import { promptPassword } from './prompt.js'
import { loadSettings, withRuntime } from './settings.js'

export interface Command {
  summary: string
  usage: string
  run(args: string[]): Promise<void>
}

async function passwordFromEnvOrPrompt(): Promise<string> {
  const fromEnv = process.env.TESSERA_PASSWORD
  if (fromEnv) return fromEnv
  const password = await promptPassword('Password: ')
  if (process.stdin.isTTY && password !== (await promptPassword('Password (again): '))) throw new TesseraError('ERR_VALIDATION', "passwords didn't match")
  if (!password) throw new TesseraError('ERR_VALIDATION', 'a password is required (set TESSERA_PASSWORD or type one)')
  return password
}

function userOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      'no-validate': { type: 'boolean' },
    },
    strict: true,
  })
  if (!values.username) throw new TesseraError('ERR_VALIDATION', '--username is required')
  return values
}

function createUserCommand(superuser: boolean): Command {
  return {
    summary: superuser ? 'create a staff superuser' : 'create a user',
    usage: `--username NAME [--email E] [--first-name F] [--last-name L] [--no-validate]   (password: TESSERA_PASSWORD or prompt)`,
    async run(args) {
      const values = userOptions(args)
      const password = await passwordFromEnvOrPrompt()
      await withRuntime('none', async ({ auth }) => {
        const user = await auth.createUser(
          {
            username: values.username!,
            password,
            email: values.email ?? '',
            first_name: values['first-name'] ?? '',
            last_name: values['last-name'] ?? '',
            is_staff: superuser,
            is_superuser: superuser,
          },
          !values['no-validate'],
        )
        console.log(`${superuser ? 'Superuser' : 'User'} '${user.username}' created (id ${user.id}).`)
      })
    },
  }
}

export const commands: Record<string, Command> = {
  serve: {
    summary: 'run the HTTP server (HOST, PORT, DATABASE_URL, ...)',
    usage: '',
    async run() {
      const { options, warnings } = loadOptions(process.env)
      const app = await buildServer(options)
      for (const warning of warnings) app.log.warn(warning)
      const { host, port } = app.tessera.config
      const shutdown = async (signal: string) => {
        app.log.info(`${signal}: finishing in-flight requests, then stopping`)
        await app.close()
        process.exit(0)
      }
      process.once('SIGTERM', () => void shutdown('SIGTERM'))
      process.once('SIGINT', () => void shutdown('SIGINT'))
      await app.listen({ host, port })
    },
  },
  migrate: {
    summary: 'apply database migrations',
    usage: '',
    async run() {
      const { config } = loadSettings()
      const opened = await openStore(config.database.url)
      try {
        const { results, warnings } = await opened.migrate()
        for (const warning of warnings) console.error(`warning: ${warning}`)
        const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
        console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'No migrations to apply.')
      } finally {
        await opened.store.close()
      }
    },
  },
  createuser: createUserCommand(false),
  createsuperuser: createUserCommand(true),
  'import-django': importDjangoCommand,
  sendtestemail: sendTestEmailCommand,
  outbox: outboxCommand,
  mfa: mfaCommand,
  changepassword: {
    summary: "set a user's password (revokes all their sessions)",
    usage: 'USERNAME   (password: TESSERA_PASSWORD or prompt)',
    async run(args) {
      const { positionals } = parseArgs({ args, allowPositionals: true, strict: true })
      const username = positionals[0]
      if (!username || positionals.length > 1) throw new TesseraError('ERR_VALIDATION', 'usage: tessera changepassword USERNAME')
      // `publish`: the running servers refuse the old sessions at once, not at their next catch-up read.
      await withRuntime('publish', async ({ auth, store }) => {
        const user = await store.findUserByUsername(username)
        if (!user) throw new TesseraError('ERR_NOT_FOUND', `user '${username}' does not exist`)
        const password = await passwordFromEnvOrPrompt()
        // Django's changepassword runs the password validators too.
        const problems = validatePassword(password, user)
        if (problems.length > 0) throw new ValidationError({ password: problems })
        await auth.setPassword(user.id, password)
        console.log(`Password changed for user '${username}'; their sessions were revoked.`)
      })
    },
  },
  renameuser: {
    summary: 'give a user a new username (for names that collide without regard to case)',
    usage: 'ID NEW_USERNAME',
    async run(args) {
      const { positionals } = parseArgs({ args, allowPositionals: true, strict: true })
      const id = Number(positionals[0])
      if (positionals.length !== 2 || !Number.isSafeInteger(id) || id < 1) throw new TesseraError('ERR_VALIDATION', 'usage: tessera renameuser ID NEW_USERNAME')
      await withRuntime('none', async ({ auth }) => {
        const user = await auth.renameUser(id, positionals[1]!)
        console.log(`User ${id} is now '${user.username}'.`)
      })
    },
  },
  flushexpiredtokens: {
    summary: 'delete expired refresh tokens and sessions',
    usage: '',
    async run() {
      await withRuntime('none', async ({ auth }) => {
        const removed = await auth.flushExpired()
        console.log(`Removed ${removed} expired refresh token(s).`)
      })
    },
  },
  rotatekey: {
    summary: 'add a new signing key pair (RS256/ES256/EdDSA); older keys retire after the refresh lifetime',
    usage: '',
    async run() {
      await withRuntime('none', async ({ config, store }) => {
        const key = await addKey(config.tokens, store, Date.now())
        const retire = new Date(Date.now() + config.tokens.refreshLifetime * 1000).toISOString()
        console.log(`New ${key.algorithm} key '${key.kid}' signs from now on; older keys verify until ${retire}. Running instances pick it up within a minute.`)
      })
    },
  },
  sealkeys: {
    summary: 'encrypt every stored private signing key under the current SECRET_KEY (after an upgrade or a SECRET_KEY rotation)',
    usage: '',
    async run() {
      await withRuntime('none', async ({ config, store }) => {
        const changed = await sealStoredKeys(config.tokens, store)
        console.log(`Sealed ${changed} private signing key(s) under the current SECRET_KEY.${changed > 0 ? ' Keys sealed under an old SECRET_KEY no longer need it in SECRET_KEY_FALLBACKS.' : ''}`)
      })
    },
  },
  genkey: {
    summary: 'print a new random SECRET_KEY',
    usage: '',
    async run() {
      console.log(randomBytes(48).toString('base64url'))
    },
  },
}

/** One line for an error: what went wrong, no stack. */
export function describeError(error: unknown): string {
  if (error instanceof ValidationError) return Object.entries(error.fields).map(([field, messages]) => `${field}: ${messages.join(' ')}`).join('; ')
  if (error instanceof Error) return error.message
  return String(error)
}
