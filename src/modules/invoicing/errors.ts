import { registerErrors } from '../../core/errors.js'

// The expected failures of invoicing, named by the rule that broke.
export const invoicingErrors = registerErrors({
  'invoicing.series_invalid': {
    status: 422,
    title: 'An invoice series is 1 to 20 capital letters, digits or hyphens',
  },
  'invoicing.fiscal_year_invalid': {
    status: 422,
    title: 'A fiscal year is a whole year between 1900 and 9999',
  },
  'invoicing.number_format_invalid': {
    status: 422,
    title: 'An invoice number format needs {seq} and knows only {series}, {year}, {seq}, {seq:N}',
  },
})
