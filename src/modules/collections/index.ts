import type { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import type { CliContext, O2cModule } from '../../platform.js'
import { disputeCommands } from './disputes/commands.js'
import { disputeRoutes } from './disputes/routes.js'
import { selfServicePublicRoutes } from './self-service/public-routes.js'
import { worklistCommands } from './worklist/commands.js'
import { worklistRoutes } from './worklist/routes.js'

// Collections and disputes (issue 7). Each part registers its own routes, commands and jobs
// here; the parts share the tables of 0022_collections.sql (tables.ts) and the law (law/).

export * from './contracts.js'
export * from './law/index.js'
export { queueCustomerNotice } from './notices.js'
export * from './tables.js'

async function collectionsRoutes(app: FastifyInstance): Promise<void> {
  // part disputes/worklist: /v1/disputes, /v1/reports/dispute-root-causes (own plugin: it
  // registers multipart for attachments), /v1/collections/worklist, timelines, activities.
  await app.register(disputeRoutes)
  await worklistRoutes(app)
  // end part disputes/worklist
}

function collectionsCommands(program: Command, cli: CliContext): void {
  // part disputes/worklist
  disputeCommands(program, cli)
  worklistCommands(program, cli)
  // end part disputes/worklist
}

async function collectionsPublicRoutes(app: FastifyInstance): Promise<void> {
  // part self-service: /pay/{token}/dispute|promise|plan
  await selfServicePublicRoutes(app)
  // end part self-service
}

export const collectionsModule: O2cModule = {
  name: 'collections',
  routes: collectionsRoutes,
  commands: collectionsCommands,
  publicRoutes: collectionsPublicRoutes,
  jobs: {},
}
