import { loadDotEnv } from '../config/index.js'
import { commands, describeError } from './commands.js'

function help(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length))
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return ['Usage: tessera <command> [options]', '', 'Commands:', ...lines, '', 'Run `tessera <command> --help` for its options. Settings come from the environment and ./.env.'].join('\n')
}

/** The `tessera` command line. Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help())
    return name ? 0 : 2
  }
  const command = commands[name]
  if (!command) {
    console.error(`tessera: unknown command '${name}'\n\n${help()}`)
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`Usage: tessera ${name} ${command.usage}\n\n${command.summary}`)
    return 0
  }
  try {
    loadDotEnv()
    await command.run(args)
    return 0
  } catch (error) {
    console.error(`tessera ${name}: ${describeError(error)}`)
    return 1
  }
}
