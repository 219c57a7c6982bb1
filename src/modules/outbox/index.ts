import type { O2cModule } from '../../platform.js'

export { consumeEvent, type DomainEvent, emitEvent, emitEvents } from './events.js'
export { startWorker, type Worker } from './worker.js'

// Webhook endpoints, deliveries and their routes join this module next.
export const outboxModule: O2cModule = { name: 'outbox' }
