import { registerErrors } from '../../../core/errors.js'

// The expected failures of dunning (policies, runs, sending), named by the rule that broke.
export const dunningErrors = registerErrors({
  'collections.policy_invalid': {
    status: 422,
    title: 'The dunning policy breaks a rule of policies; nothing was saved',
  },
  'collections.policy_unknown': {
    status: 404,
    title: 'No dunning policy of that id or name',
  },
  'collections.policy_name_taken': {
    status: 409,
    title: 'Another dunning policy has that name',
  },
  'collections.run_date_invalid': {
    status: 422,
    title: 'The run date is not a calendar date (YYYY-MM-DD)',
  },
  'collections.run_in_progress': {
    status: 409,
    title: 'A dunning run for that date is running in another process',
  },
  'collections.run_unknown': {
    status: 404,
    title: 'No dunning run of that id',
  },
})
