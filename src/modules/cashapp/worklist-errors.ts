import { registerErrors } from '../../core/errors.js'

// The expected failures of the worklist's acts (worklist.ts), beside cash application's own
// (errors.ts: transaction_not_open, allocation_exceeds_payment, nothing_applied, … which the
// worklist gives too).
export const worklistErrors = registerErrors({
  'cashapp.candidate_rejected': {
    status: 409,
    title: 'That candidate was rejected; apply it by hand if it is right after all',
  },
  'cashapp.nothing_to_reject': {
    status: 409,
    title: 'The bank transaction has no suggestion left to reject',
  },
  'cashapp.customer_unknown': {
    status: 422,
    title: 'No customer with that id or number',
  },
  'cashapp.invoice_unknown': {
    status: 422,
    title: 'No issued invoice with that id or number',
  },
  'cashapp.invoice_not_customers': {
    status: 422,
    title: "The invoice is not the customer's",
  },
  'cashapp.allocation_exceeds_open_amount': {
    status: 422,
    title: 'The allocation is larger than the open amount',
  },
})
