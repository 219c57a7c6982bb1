import type { O2cModule } from '../../platform.js'
import { outboxCommands } from './commands.js'
import { deliverWebhook } from './deliver.js'
import './errors.js'
import { webhookJobKind } from './events.js'
import { outboxRoutes } from './routes.js'

export {
  consumeEvent,
  type DomainEvent,
  emitEvent,
  emitEvents,
  eventBody,
  findEvent,
  listEvents,
  type OutboxEvent,
} from './events.js'
export {
  signatureHeader,
  signatureToleranceSeconds,
  verifyWebhookSignature,
  webhookSignature,
} from './signature.js'
export {
  createWebhook,
  findDelivery,
  listDeliveries,
  redeliverWebhook,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './webhooks.js'
export { inJobTenant, isFinalAttempt, startWorker, type Worker } from './worker.js'

export const outboxModule: O2cModule = {
  name: 'outbox',
  routes: outboxRoutes,
  commands: outboxCommands,
  jobs: { [webhookJobKind]: deliverWebhook },
}
