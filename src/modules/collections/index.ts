import type { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import type { CliContext, O2cModule } from '../../platform.js'
// messages/ and charges/: templates, rendering, print batches; collection costs and interest.
import './charges/errors.js'
import { chargeRoutes } from './charges/routes.js'
import { messageCommands } from './messages/commands.js'
import './messages/errors.js'
import { messageRoutes } from './messages/routes.js'

// Collections and disputes (issue 7). Each part registers its own routes, commands and jobs
// here; the parts share the tables of 0022_collections.sql (tables.ts) and the law (law/).

export { chargeCostsAndInterest } from './charges/charge.js'
export { reverseCollectionCharge } from './charges/reverse.js'
export * from './contracts.js'
export * from './law/index.js'
export {
  buildPrintBatch,
  previewTemplate,
  printBatchPdf,
  renderDunningMessage,
} from './messages/render.js'
export { listTemplates, putTemplate, resolveTemplate } from './messages/templates.js'
export { queueCustomerNotice } from './notices.js'
export * from './tables.js'

async function collectionsRoutes(app: FastifyInstance): Promise<void> {
  // messages/ and charges/
  await messageRoutes(app)
  await chargeRoutes(app)
}

function collectionsCommands(program: Command, cli: CliContext): void {
  // messages/
  messageCommands(program, cli)
}

export const collectionsModule: O2cModule = {
  name: 'collections',
  routes: collectionsRoutes,
  commands: collectionsCommands,
  jobs: {},
}
