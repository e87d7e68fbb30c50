import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'

/**
 * Entry point: reads the configuration, opens the store, listens, and shuts down gracefully on
 * SIGTERM or SIGINT (stop accepting, let in-flight requests and pending writes finish, close the
 * store). A second signal exits at once.
 */
async function main(): Promise<void> {
  const config = loadConfig()
  const { app, bootstrap } = await buildApp(config)

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) process.exit(1)
    closing = true
    app.log.info({ signal }, 'shutting down')
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  const address = await app.listen({ port: config.port, host: config.host })
  const shown = address.replace('0.0.0.0', 'localhost')
  // Written to stdout, not the log: the generated secret must be shown once and never logged.
  process.stdout.write(`\nxAPI endpoint: ${shown}/xapi/\n`)
  process.stdout.write(`API reference: ${shown}/docs\n`)
  process.stdout.write(
    `Store: ${config.databaseUrl === undefined ? `embedded (${config.dataDir})` : 'PostgreSQL'}\n`,
  )
  if (bootstrap.generatedSecret !== undefined) {
    process.stdout.write(
      `Generated credential (shown once, keep it): key=${bootstrap.key} secret=${bootstrap.generatedSecret}\n` +
        `  curl -u ${bootstrap.key}:${bootstrap.generatedSecret} -H 'X-Experience-API-Version: 2.0.0' ${shown}/xapi/statements\n\n`,
    )
  } else {
    process.stdout.write(
      `Credential: key=${bootstrap.key} (secret as configured or shown on first start)\n\n`,
    )
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`configuration error: ${error.message}\n`)
    process.exit(2)
  }
  process.stderr.write(
    `failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exit(1)
})
