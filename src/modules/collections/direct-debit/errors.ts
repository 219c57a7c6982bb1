import { registerErrors } from '../../../core/errors.js'

// The expected failures of SEPA mandates and direct-debit batches (issue 7).
export const directDebitErrors = registerErrors({
  'collections.mandate_reference_taken': {
    status: 409,
    title: 'A mandate with this reference exists already',
  },
  'collections.mandate_not_active': {
    status: 409,
    title: 'The mandate is revoked',
  },
  'collections.creditor_id_missing': {
    status: 422,
    title: 'No SEPA creditor identifier: give one (the last batch’s is used after that)',
  },
  'collections.creditor_id_invalid': {
    status: 422,
    title: 'The SEPA creditor identifier is not valid',
  },
  'collections.creditor_account_missing': {
    status: 422,
    title: 'The billing settings have no payee IBAN to collect to',
  },
  'collections.collection_date_invalid': {
    status: 422,
    title: 'The collection date is in the past',
  },
  'collections.nothing_to_collect': {
    status: 422,
    title: 'No open invoice of a customer with an active mandate is due by the collection date',
  },
})
