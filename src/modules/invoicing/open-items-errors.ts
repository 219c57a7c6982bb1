import { registerErrors } from '../../core/errors.js'

// The open-items import's expected failures (`o2c invoices import-open-items`). Kept apart
// from errors.ts so the import can be read (and merged) on its own.
export const openItemsErrors = registerErrors({
  'invoicing.open_items_malformed': { status: 400, title: 'The file is not valid CSV' },
  'invoicing.open_items_header_missing': {
    status: 400,
    title: 'The CSV header lacks a required column',
  },
  'invoicing.open_items_header_unknown': {
    status: 400,
    title: 'The CSV header has an unknown column',
  },
  'invoicing.open_items_header_repeated': { status: 400, title: 'The CSV header repeats a column' },
  'invoicing.open_items_too_large': {
    status: 413,
    title: 'The file has more rows than one import takes',
  },
  'invoicing.open_items_rejected': {
    status: 422,
    title: 'Rows of the file have problems; nothing was imported',
  },
  'invoicing.open_items_file_changed': {
    status: 409,
    title: 'The file changed while it was being imported',
  },
  'invoicing.open_items_number_taken': {
    status: 409,
    title: 'An invoice number of the file was taken during the import',
  },
})
