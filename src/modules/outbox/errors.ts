import { registerErrors } from '../../core/errors.js'

export const outboxErrors = registerErrors({
  'outbox.webhook_url_invalid': {
    status: 400,
    title: 'The webhook URL is not an absolute http or https URL',
  },
  'outbox.event_type_invalid': {
    status: 400,
    title: 'Not an event type (such as "order.confirmed", or "*" for every type)',
  },
  'outbox.webhook_inactive': {
    status: 409,
    title: 'The webhook endpoint is not active; activate it first',
  },
  'outbox.delivery_in_progress': {
    status: 409,
    title: 'This delivery is being sent right now; try again when it is done',
  },
})
