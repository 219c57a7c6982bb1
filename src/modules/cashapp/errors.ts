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
  'cashapp.csv_mapping_missing': {
    status: 422,
    title: 'The bank account has no saved CSV column mapping; nothing was imported',
  },
  'cashapp.statement_unbalanced': {
    status: 422,
    title: 'Opening balance plus entries is not the closing balance; nothing was imported',
  },
})
