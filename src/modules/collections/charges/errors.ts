import { registerErrors } from '../../../core/errors.js'

// The expected failures of charging collection costs and interest (charges/).
export const chargeErrors = registerErrors({
  'collections.interest_rate_unknown': {
    status: 422,
    title: 'The statutory interest rate table does not cover that day',
  },
})
