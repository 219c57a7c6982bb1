import type { FastifyInstance } from 'fastify'
import type { O2cModule } from '../../platform.js'
// promises/, plans/, direct-debit/ (helper "promises")
import { directDebitCommands } from './direct-debit/commands.js'
import { directDebitRoutes } from './direct-debit/routes.js'
// end promises
// dunning/ (policies, runs, sending)
import { dunningCommands } from './dunning/commands.js'
import { promiseAndPlanCommands } from './promises/commands.js'
import { promiseAndPlanRoutes } from './promises/routes.js'
import './dunning/errors.js'
import { dunningJobs } from './dunning/jobs.js'
import { dunningRoutes } from './dunning/routes.js'

// Collections and disputes (issue 7). Each part registers its own routes, commands and jobs
// here; the parts share the tables of 0022_collections.sql (tables.ts) and the law (law/).

export * from './contracts.js'
// promises/, plans/, direct-debit/ (helper "promises"): the services other modules call.
export {
  collectionsAfterPayments,
  collectionsAfterReturn,
} from './direct-debit/cash-application.js'
// dunning/
export {
  fileMessagingProvider,
  type MessagingProvider,
  MessagingRejected,
} from './dunning/messaging.js'
export { type DunningRun, runDunning } from './dunning/run.js'
export { type DunningChannels, useDunningChannels } from './dunning/send.js'
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
  // promises/, plans/, direct-debit/ (helper "promises")
  await promiseAndPlanRoutes(app)
  await directDebitRoutes(app)
  // end promises
  // dunning/
  await dunningRoutes(app)
}

export const collectionsModule: O2cModule = {
  name: 'collections',
  routes: collectionsRoutes,
  commands: (program, cli) => {
    // promises/, plans/, direct-debit/ (helper "promises")
    promiseAndPlanCommands(program, cli)
    directDebitCommands(program, cli)
    // end promises
    // dunning/
    dunningCommands(program, cli)
  },
  jobs: {
    // dunning/
    ...dunningJobs,
  },
}
