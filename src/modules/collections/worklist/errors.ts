import { registerErrors } from '../../../core/errors.js'

// The expected failures of the collector's worklist, timeline and activities.
export const worklistErrors = registerErrors({
  'collections.activity_invoice_unknown': {
    status: 422,
    title: 'The invoice is not an issued invoice of this customer',
  },
  'collections.task_not_open': {
    status: 409,
    title: 'The task is done or cancelled already',
  },
})
