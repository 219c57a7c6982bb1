import type { FastifyInstance } from 'fastify'
import type { O2cModule } from '../../platform.js'
import { outboxCommands } from './commands.js'
import { deliverWebhook } from './deliver.js'
import './errors.js'
import { webhookJobKind } from './events.js'
import { outboxRoutes } from './routes.js'
import { scheduleRoutes } from './schedule-routes.js'

export { type Cadence, type CadenceKind, cadences, isoDayOfWeek, nextRunAfter } from './cadence.js'
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
  defaultSchedule,
  enqueueDueSchedules,
  listSchedules,
  type Schedule,
  type ScheduleChange,
  type ScheduleDefault,
  seedDefaultSchedules,
  updateSchedule,
} from './schedules.js'
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
  routes: async (app: FastifyInstance) => {
    await outboxRoutes(app)
    await scheduleRoutes(app)
  },
  commands: outboxCommands,
  jobs: { [webhookJobKind]: deliverWebhook },
}
