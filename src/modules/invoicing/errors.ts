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

// Credit notes (credit-notes.ts): why an invoice cannot be credited as asked.
export const creditNoteErrors = registerErrors({
  'invoicing.credit_of_draft': {
    status: 409,
    title: 'A draft invoice is changed or deleted, not credited',
  },
  'invoicing.credit_of_credit_note': {
    status: 409,
    title: 'A credit note cannot be credited; credit the invoice it corrects',
  },
  'invoicing.credit_customer_mismatch': {
    status: 422,
    title: 'The invoice belongs to another customer',
  },
  'invoicing.credit_without_lines': {
    status: 422,
    title: 'The invoice has no lines or VAT breakdown to credit',
  },
  'invoicing.credit_full_not_open': {
    status: 409,
    title: 'A full credit note needs the whole invoice open; credit by line or by amount',
  },
  'invoicing.credit_quantity_exceeds_left': {
    status: 422,
    title: 'The quantity is more than is left to credit on the invoice line',
  },
  'invoicing.credit_exceeds_open': {
    status: 422,
    title: 'The credit note is more than is open on the invoice',
  },
})
