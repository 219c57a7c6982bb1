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
  'invoicing.invoice_not_open': {
    status: 409,
    title: 'Only an issued invoice can be settled',
  },
  'invoicing.settlement_exceeds_open': {
    status: 422,
    title: 'The amount is more than is open on the invoice',
  },
  'invoicing.currency_mismatch': {
    status: 422,
    title: 'The amount is in another currency than the invoice',
  },
  'invoicing.settlement_already_reversed': {
    status: 409,
    title: 'The settlement was reversed already',
  },
})

// Where invoices come from: billing on shipment, on order, prepayment and the billing run.
export const billingErrors = registerErrors({
  'invoicing.order_not_billable': {
    status: 409,
    title: 'A draft, cancelled or held order cannot be invoiced',
  },
  'invoicing.order_already_invoiced': {
    status: 409,
    title: 'The order is invoiced already (in whole or in part)',
  },
  'invoicing.prepayment_not_required': {
    status: 422,
    title: 'The order does not require prepayment',
  },
  'invoicing.order_already_prepaid': {
    status: 409,
    title: 'The order was prepaid already',
  },
  'invoicing.billing_run_in_progress': {
    status: 409,
    title: 'A billing run for this period is running; wait for it to finish',
  },
})
