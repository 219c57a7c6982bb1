import { CommanderError } from 'commander'
import pino from 'pino'
import { buildProgram } from './cli/program.js'
import { readConfig } from './config.js'
import { DomainError } from './core/errors.js'
import { openPlatform } from './open-platform.js'
import type { CliContext, Platform } from './platform.js'
import { type Running, serve } from './serve.js'

// The `o2c` command, assembled from each module's commands. A command opens the store only
// when it runs, and the store is closed on every way out: success, error and signals. The
// store's close waits for the transaction in flight, so nothing is left half-written.
//
// Exit codes: 0 done; 1 a bug or a usage error; 2 a refusal the user can act on (a
// DomainError: unknown tenant, data folder in use, …); 128 + n when signal n interrupted a
// command. `o2c serve` stopped by SIGINT or SIGTERM has done what it was asked and exits 0.

const config = readConfig()
let opening: Promise<Platform> | undefined
let running: Running | undefined
let stopRequested: (() => void) | undefined

const cli: CliContext = {
  platform(command) {
    // Logs go to stderr so that --json output on stdout stays clean for scripts; the server
    // logs to stdout as servers do.
    const log =
      command === 'serve'
        ? pino({ level: config.LOG_LEVEL })
        : pino({ level: config.LOG_LEVEL }, pino.destination(2))
    opening ??= openPlatform(config, command, log)
    return opening
  },
  tenantSlug(options) {
    const slug = options.tenant ?? config.O2C_TENANT
    if (!slug) throw new Error('Name the tenant with --tenant <slug> or O2C_TENANT')
    return slug
  },
}

const program = buildProgram(cli, {
  async serve() {
    const stopped = new Promise<void>((resolve) => {
      stopRequested = resolve
    })
    const platform = await cli.platform('serve')
    running = await serve(platform, config)
    await stopped // until a signal asks us to stop; shutdown() stops the server
  },
})

let shuttingDown: Promise<never> | undefined

function shutdown(code: number): Promise<never> {
  shuttingDown ??= (async () => {
    try {
      if (running) await running.stop()
      else if (opening) await (await opening.catch(() => undefined))?.store.close()
    } catch (error) {
      process.stderr.write(`o2c: closing the store failed: ${String(error)}\n`)
      code = code || 1
    } finally {
      process.exit(code)
    }
  })()
  return shuttingDown
}

// A bug that escapes (a rejected promise nobody awaited) still closes the store on its way
// out, so the data folder is left clean and unlocked.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error) => {
    process.stderr.write(`o2c: ${event}: ${error instanceof Error ? error.stack : String(error)}\n`)
    void shutdown(1)
  })
}

const signalNumbers = { SIGINT: 2, SIGTERM: 15 } as const
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    const served = running !== undefined
    if (served) running?.app.log.info({ signal }, 'shutting down')
    stopRequested?.()
    void shutdown(served ? 0 : 128 + signalNumbers[signal])
  })
}

try {
  await program.parseAsync(process.argv)
  await shutdown(process.exitCode === undefined ? 0 : Number(process.exitCode))
} catch (error) {
  if (error instanceof CommanderError) await shutdown(error.exitCode)
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`o2c: ${message}\n`)
  if (!(error instanceof DomainError) && process.env.O2C_DEBUG) console.error(error)
  await shutdown(error instanceof DomainError ? 2 : 1)
}
