import { registerErrors } from '../../core/errors.js'

// The expected failures of delivery, named by the rule that broke.
export const deliveryErrors = registerErrors({
  'delivery.invoice_not_issued': {
    status: 409,
    title: 'Only an issued invoice or credit note can be sent',
  },
  'delivery.no_recipient': {
    status: 422,
    title: 'The customer has no address for this channel',
  },
  'delivery.recipient_not_for_channel': {
    status: 422,
    title: 'An email address can be given for the email and portal channels only',
  },
  'delivery.no_delivery': {
    status: 409,
    title: 'The invoice was not sent on this channel',
  },
  'delivery.already_bounced': {
    status: 409,
    title: 'The delivery bounced already; send the invoice again instead',
  },
})
