import { registerErrors } from '../../../core/errors.js'

// The expected failures of charging collection costs and interest (charges/).
export const chargeErrors = registerErrors({
  'collections.charge_not_reversible': {
    status: 409,
    title: 'The collection charge was reversed already, or is itself a reversal',
  },
  'collections.interest_rate_unknown': {
    status: 422,
    title: 'The statutory interest rate table does not cover that day',
  },
})
