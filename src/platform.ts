import type { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Clock } from './db/context.js'
import type { Store } from './db/store.js'

// What every module is given: the store, the clock and the log. The server and the CLI make
// one Platform at start-up and pass it down; nothing reaches for globals.
export type Platform = {
  readonly store: Store
  readonly clock: Clock
  readonly log: Logger
}

/** A job the worker runs: its payload comes from the job row, its tenant context is set. */
export type JobHandler = (platform: Platform, job: JobToRun) => Promise<void>

export type JobToRun = {
  id: string
  tenantId: string
  kind: string
  payload: Record<string, unknown>
  /** This run's number, from 1; the run numbered attemptsMax is the last. */
  attempts: number
  attemptsMax: number
}

/**
 * A stage of o2c as the server and the CLI see it. Each module's index.ts exports one;
 * src/modules.ts lists them, and server.ts and cli.ts assemble routes and commands from it.
 */
export type O2cModule = {
  name: string
  /** Routes under /v1, registered as a Fastify plugin. */
  routes?: (app: FastifyInstance) => Promise<void>
  /**
   * Routes outside /v1 that take no API key (a pay page, a payment provider's webhook). They
   * prove who is calling themselves (a signed token, a status fetched back) and must answer an
   * unknown or forged caller as if nothing were there.
   */
  publicRoutes?: (app: FastifyInstance) => Promise<void>
  /** Adds this module's commands to the `o2c` program. */
  commands?: (program: Command, cli: CliContext) => void
  /** Job kinds this module's worker handles, by kind. */
  jobs?: Record<string, JobHandler>
}

/** What a CLI command gets to run: a platform opened lazily, closed by the CLI on exit. */
export type CliContext = {
  platform(command: string): Promise<Platform>
  /** The tenant slug from --tenant or O2C_TENANT. */
  tenantSlug(options: { tenant?: string }): string
}
