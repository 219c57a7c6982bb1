import { registerErrors } from '../../core/errors.js'

// The credit module's expected failures, named by the rule that broke.
export const creditErrors = registerErrors({
  'credit.four_eyes_same_user': {
    status: 403,
    title: 'A limit change you proposed must be approved by someone else',
  },
  'credit.decision_pending': {
    status: 409,
    title: 'A limit decision for this customer is waiting for approval',
  },
  'credit.decision_not_pending': {
    status: 409,
    title: 'This limit decision was already approved or rejected',
  },
  'credit.decision_changes_nothing': {
    status: 422,
    title: 'The proposed limits are the limits the customer has',
  },
  'credit.group_limit_not_on_top_parent': {
    status: 422,
    title: "A group limit is set on the group's top parent only",
  },
  'credit.currency_differs': {
    status: 422,
    title: "The amount is not in the currency of the customer's credit profile",
  },
  'credit.report_file_invalid': {
    status: 422,
    title: 'The credit report file has rows that are not valid; nothing was imported',
  },
  'credit.report_file_unreadable': {
    status: 400,
    title: 'The credit report file is neither a JSON array nor CSV with a header',
  },
})
