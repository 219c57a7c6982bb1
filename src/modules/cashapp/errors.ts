import { registerErrors } from '../../core/errors.js'

// The expected failures of cash application, named by the rule that broke.
export const cashappErrors = registerErrors({
  'cashapp.bank_file_malformed': {
    status: 400,
    title: 'The bank file is not well-formed; nothing was imported',
  },
  'cashapp.amount_invalid': {
    status: 422,
    title: 'An amount of the bank file is not an amount in its currency; nothing was imported',
  },
  'cashapp.statement_account_missing': {
    status: 422,
    title: 'A statement of the bank file names no account; nothing was imported',
  },
  'cashapp.statement_unbalanced': {
    status: 422,
    title: 'Opening balance plus entries is not the closing balance; nothing was imported',
  },
  'cashapp.transaction_not_open': {
    status: 409,
    title: 'The bank transaction is applied (or returned, or ignored); un-apply it first',
  },
  'cashapp.not_a_payment': {
    status: 422,
    title: 'The bank transaction is a debit, a return or a reversal, never a customer payment',
  },
  'cashapp.allocation_refused': {
    status: 422,
    title: "The allocation does not fit what is open on the customer's invoices",
  },
  'cashapp.allocation_exceeds_payment': {
    status: 422,
    title: 'The allocations are more than the bank transaction paid',
  },
  'cashapp.write_off_above_tolerance': {
    status: 422,
    title: "The write-off is above the tenant's tolerance",
  },
  'cashapp.rate_missing': {
    status: 422,
    title: 'No exchange rate between the payment and the invoices on that date',
  },
  'cashapp.nothing_applied': {
    status: 409,
    title: 'Nothing of this bank entry is applied',
  },
})

// Remittance advices (remittance/): the customer's own list of what a payment covers.
export const remittanceErrors = registerErrors({
  'cashapp.remittance_malformed': {
    status: 400,
    title: 'The remittance advice cannot be read; nothing was imported',
  },
  'cashapp.remittance_empty': {
    status: 422,
    title: 'The remittance advice lists no invoice with an amount; nothing was imported',
  },
  'cashapp.remittance_amount_invalid': {
    status: 422,
    title:
      'An amount of the remittance advice is not an amount in its currency; nothing was imported',
  },
  'cashapp.remittance_advice_used': {
    status: 409,
    title: 'The remittance advice was used for another bank entry',
  },
  'cashapp.remittance_total_mismatch': {
    status: 422,
    title:
      'The remittance advice states a total that is not the sum of its lines; nothing was imported',
  },
})
