import { registerErrors } from '../../../core/errors.js'

// The expected failures of self-service on the pay page (self-service.ts). The customer sees
// them as a message on the form, in their language; the codes are in the log and docs.
export const selfServiceErrors = registerErrors({
  'collections.plan_not_offered': {
    status: 422,
    title: 'That payment plan is not offered for this invoice',
  },
})
