import { registerErrors } from '../../core/errors.js'

export const ledgerErrors = registerErrors({
  'ledger.entry_unbalanced': {
    status: 422,
    title: 'The journal entry does not balance: debits and credits differ',
  },
  'ledger.account_unknown': { status: 422, title: 'No such active account in the chart' },
  'ledger.line_invalid': {
    status: 422,
    title: 'A journal line needs exactly one positive amount, debit or credit',
  },
  'ledger.entry_empty': { status: 422, title: 'A journal entry needs at least two lines' },
  'ledger.entry_already_reversed': {
    status: 409,
    title: 'This journal entry was reversed already',
  },
  'ledger.account_code_taken': { status: 409, title: 'Another account has this code' },
  'ledger.purpose_taken': { status: 409, title: 'Another account has this purpose' },
  'ledger.account_has_lines': {
    status: 409,
    title: 'An account with journal lines keeps its code and purpose',
  },
  'ledger.account_has_purpose': {
    status: 409,
    title: 'An account that postings look up by its purpose cannot be deactivated',
  },
})
