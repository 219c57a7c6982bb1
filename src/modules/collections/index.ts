import type { FastifyInstance } from 'fastify'
import type { O2cModule } from '../../platform.js'

// Collections and disputes (issue 7). Each part registers its own routes, commands and jobs
// here; the parts share the tables of 0022_collections.sql (tables.ts) and the law (law/).

export * from './contracts.js'
export * from './law/index.js'
export { queueCustomerNotice } from './notices.js'
export * from './tables.js'

async function collectionsRoutes(_app: FastifyInstance): Promise<void> {}

export const collectionsModule: O2cModule = {
  name: 'collections',
  routes: collectionsRoutes,
  commands: () => {},
  jobs: {},
}
