import type { FastifyInstance } from 'fastify'
import type { O2cModule } from '../../platform.js'
// dunning/ (policies, runs, sending)
import { dunningCommands } from './dunning/commands.js'
import './dunning/errors.js'
import { dunningJobs } from './dunning/jobs.js'
import { dunningRoutes } from './dunning/routes.js'

// Collections and disputes (issue 7). Each part registers its own routes, commands and jobs
// here; the parts share the tables of 0022_collections.sql (tables.ts) and the law (law/).

export * from './contracts.js'
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
export * from './tables.js'

async function collectionsRoutes(app: FastifyInstance): Promise<void> {
  // dunning/
  await dunningRoutes(app)
}

export const collectionsModule: O2cModule = {
  name: 'collections',
  routes: collectionsRoutes,
  commands: (program, cli) => {
    // dunning/
    dunningCommands(program, cli)
  },
  jobs: {
    // dunning/
    ...dunningJobs,
  },
}
