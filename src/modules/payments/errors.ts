import { registerErrors } from '../../core/errors.js'

// The expected failures of payments, named by the rule that broke.
export const paymentErrors = registerErrors({
  'payments.allocation_exceeds_unallocated': {
    status: 422,
    title: 'The allocations are more than is unallocated on the payment',
  },
  'payments.allocation_exceeds_open': {
    status: 422,
    title: 'The allocation is more than is open on the invoice',
  },
  'payments.currency_mismatch': {
    status: 422,
    title: 'The payment and the invoice are in different currencies',
  },
  'payments.customer_mismatch': {
    status: 422,
    title: "The invoice is not the payment's customer's",
  },
  'payments.payment_reversed': {
    status: 409,
    title: 'The payment was reversed: none of it is left to allocate',
  },
  'payments.provider_payment_recorded': {
    status: 409,
    title: "This provider's payment was recorded already",
  },
  'payments.provider_not_configured': {
    status: 409,
    title: 'No payment provider is configured',
  },
  'payments.provider_failed': {
    status: 502,
    title: 'The payment provider did not answer as expected',
  },
})
