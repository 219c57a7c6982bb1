import { registerErrors } from '../../core/errors.js'

export const customerErrors = registerErrors({
  'customers.number_taken': { status: 409, title: 'A customer with this number exists' },
  'customers.invalid': { status: 422, title: 'The customer data is not valid' },
  'customers.parent_unknown': { status: 422, title: 'The parent company is not a customer' },
  'customers.parent_cycle': {
    status: 422,
    title: 'A company cannot be its own parent, directly or through others',
  },
  'customers.import_malformed': { status: 400, title: 'The file is not valid CSV' },
  'customers.import_header_missing': {
    status: 400,
    title: 'The CSV header lacks a required column',
  },
  'customers.import_header_unknown': { status: 400, title: 'The CSV header has an unknown column' },
  'customers.import_header_repeated': { status: 400, title: 'The CSV header repeats a column' },
  'customers.import_too_large': {
    status: 413,
    title: 'The file has more rows than one import takes',
  },
  'customers.import_rejected': {
    status: 422,
    title: 'Rows of the file have problems; nothing was imported',
  },
  'customers.import_file_changed': {
    status: 409,
    title: 'The file changed while it was being imported',
  },
  'customers.import_concurrent_change': {
    status: 409,
    title: 'A customer of the file was changed by someone else during the import',
  },
})
