import { Command, CommanderError } from 'commander'
import pino from 'pino'
import { readConfig } from './config.js'
import { DomainError } from './core/errors.js'
import { migrate } from './db/migrate.js'
import { modules } from './modules.js'
import { openPlatform } from './open-platform.js'
import type { CliContext, Platform } from './platform.js'
import { serve } from './serve.js'

// The `o2c` command, assembled from each module's commands. A command opens the store only
// when it runs, and the store is closed on every way out: success, error and signals.

const config = readConfig()
let opened: Platform | undefined
let stopServer: (() => Promise<void>) | undefined

const cli: CliContext = {
  async platform(command) {
    // Logs go to stderr so that --json output on stdout stays clean for scripts.
    opened ??= await openPlatform(
      config,
      command,
      pino({ level: config.LOG_LEVEL }, pino.destination(2)),
    )
    return opened
  },
  tenantSlug(options) {
    const slug = options.tenant ?? config.O2C_TENANT
    if (!slug) throw new Error('Name the tenant with --tenant <slug> or O2C_TENANT')
    return slug
  },
}

const program = new Command('o2c')
  .description('o2c — order-to-cash: customers, credit, orders, invoicing, cash, collections')
  .showHelpAfterError()
  .exitOverride()

program
  .command('serve')
  .description('Start the API and the worker (PORT, default 3000)')
  .action(async () => {
    opened = await openPlatform(config, 'serve')
    const running = await serve(opened, config)
    stopServer = running.stop
    await new Promise(() => {}) // runs until a signal stops it
  })

program
  .command('migrate')
  .description('Apply the database migrations that are not yet applied')
  .option('--json', 'print JSON')
  .action(async (options) => {
    const platform = await cli.platform('migrate')
    const applied = await migrate(platform.store) // openPlatform has applied them already
    const message =
      applied.length === 0 ? 'The schema is up to date.' : `Applied ${applied.join(', ')}`
    if (options.json)
      process.stdout.write(`${JSON.stringify({ ok: true, store: platform.store.kind })}\n`)
    else process.stdout.write(`${message} (${platform.store.kind}: ${platform.store.location})\n`)
  })

for (const module of modules) module.commands?.(program, cli)

async function shutdown(code: number): Promise<never> {
  try {
    if (stopServer) await stopServer()
    else await opened?.store.close()
  } finally {
    process.exit(code)
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    opened?.log.info({ signal }, 'shutting down')
    void shutdown(signal === 'SIGINT' ? 130 : 143)
  })
}

try {
  await program.parseAsync(process.argv)
  await shutdown(process.exitCode === undefined ? 0 : Number(process.exitCode))
} catch (error) {
  if (error instanceof CommanderError) {
    await shutdown(error.exitCode)
  }
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`o2c: ${message}\n`)
  if (!(error instanceof DomainError) && process.env.O2C_DEBUG) console.error(error)
  await shutdown(error instanceof DomainError ? 2 : 1)
}
