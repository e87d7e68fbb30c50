#!/usr/bin/env node
import { runCli } from './cli-commands.js'
import { loadCliSettings } from './config.js'

/** Entry point of the `hub` operator command (see src/cli-commands.ts and docs/auth.md). */
runCli(process.argv.slice(2), {
  settings: loadCliSettings(),
  fetch,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`hub: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
