import type { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import type { CliContext, O2cModule } from '../../platform.js'
import { directDebitCommands } from './direct-debit/commands.js'
import { directDebitRoutes } from './direct-debit/routes.js'
import { disputeCommands } from './disputes/commands.js'
import { disputeRoutes } from './disputes/routes.js'
import { dunningCommands } from './dunning/commands.js'
import './dunning/errors.js'
import { dunningJobs } from './dunning/jobs.js'
import { dunningRoutes } from './dunning/routes.js'
import { promiseAndPlanCommands } from './promises/commands.js'
import { promiseAndPlanRoutes } from './promises/routes.js'
import { selfServicePublicRoutes } from './self-service/public-routes.js'
import { worklistCommands } from './worklist/commands.js'
import { worklistRoutes } from './worklist/routes.js'
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
export {
  collectionsAfterPayments,
  collectionsAfterReturn,
} from './direct-debit/cash-application.js'
export {
  fileMessagingProvider,
  type MessagingProvider,
  MessagingRejected,
} from './dunning/messaging.js'
export { type DunningRun, runDunning } from './dunning/run.js'
export { type DunningChannels, useDunningChannels } from './dunning/send.js'
export * from './law/index.js'
export {
  buildPrintBatch,
  previewTemplate,
  printBatchPdf,
  renderDunningMessage,
} from './messages/render.js'
export { listTemplates, putTemplate, resolveTemplate } from './messages/templates.js'
export { queueCustomerNotice } from './notices.js'
export {
  createPaymentPlan,
  type InstalmentInput,
  type PlanInput,
  planOffers,
} from './plans/plans.js'
export { makePromise, type PromiseInput } from './promises/promises.js'
export { reviewAfterPayments, reviewPromisesAndPlans } from './promises/review.js'
export * from './tables.js'

async function collectionsRoutes(app: FastifyInstance): Promise<void> {
  // Disputes are their own plugin: they register multipart for attachments.
  await app.register(disputeRoutes)
  await worklistRoutes(app)
  await promiseAndPlanRoutes(app)
  await directDebitRoutes(app)
  await dunningRoutes(app)
  await messageRoutes(app)
  await chargeRoutes(app)
}

function collectionsCommands(program: Command, cli: CliContext): void {
  dunningCommands(program, cli)
  messageCommands(program, cli)
  disputeCommands(program, cli)
  worklistCommands(program, cli)
  promiseAndPlanCommands(program, cli)
  directDebitCommands(program, cli)
}

// The customer's own acts on the pay page: /pay/{token}/dispute|promise|plan.
async function collectionsPublicRoutes(app: FastifyInstance): Promise<void> {
  await selfServicePublicRoutes(app)
}

export const collectionsModule: O2cModule = {
  name: 'collections',
  routes: collectionsRoutes,
  publicRoutes: collectionsPublicRoutes,
  commands: collectionsCommands,
  jobs: { ...dunningJobs },
}
