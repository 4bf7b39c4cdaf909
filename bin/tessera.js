#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js'

const code = await main(process.argv.slice(2))
// `serve` keeps running; every other command ends here.
if (process.argv[2] !== 'serve' || code !== 0) process.exit(code)
