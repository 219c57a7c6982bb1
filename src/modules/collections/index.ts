import type { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import type { CliContext, O2cModule } from '../../platform.js'
// end part disputes/worklist/self-service
// promises/, plans/, direct-debit/ (helper "promises")
import { directDebitCommands } from './direct-debit/commands.js'
import { directDebitRoutes } from './direct-debit/routes.js'
// part disputes/worklist/self-service (helper "disputes")
import { disputeCommands } from './disputes/commands.js'
import { disputeRoutes } from './disputes/routes.js'
import { promiseAndPlanCommands } from './promises/commands.js'
import { promiseAndPlanRoutes } from './promises/routes.js'
import { selfServicePublicRoutes } from './self-service/public-routes.js'
import { worklistCommands } from './worklist/commands.js'
import { worklistRoutes } from './worklist/routes.js'

// end promises
// Collections and disputes (issue 7). Each part registers its own routes, commands and jobs
// here; the parts share the tables of 0022_collections.sql (tables.ts) and the law (law/).

export * from './contracts.js'
// promises/, plans/, direct-debit/ (helper "promises"): the services other modules call.
export {
  collectionsAfterPayments,
  collectionsAfterReturn,
} from './direct-debit/cash-application.js'
export * from './law/index.js'
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
  // part disputes/worklist: /v1/disputes, /v1/reports/dispute-root-causes (own plugin: it
  // registers multipart for attachments), /v1/collections/worklist, timelines, activities.
  await app.register(disputeRoutes)
  await worklistRoutes(app)
  // end part disputes/worklist
  // promises/, plans/, direct-debit/ (helper "promises")
  await promiseAndPlanRoutes(app)
  await directDebitRoutes(app)
  // end promises
}

function collectionsCommands(program: Command, cli: CliContext): void {
  // part disputes/worklist
  disputeCommands(program, cli)
  worklistCommands(program, cli)
  // end part disputes/worklist
  // promises/, plans/, direct-debit/ (helper "promises")
  promiseAndPlanCommands(program, cli)
  directDebitCommands(program, cli)
  // end promises
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
