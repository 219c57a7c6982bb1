import { registerErrors } from '../../core/errors.js'

// The expected failures of invoicing, named by the rule that broke.
export const invoicingErrors = registerErrors({
  'invoicing.series_invalid': {
    status: 422,
    title: 'An invoice series is 1 to 20 capital letters, digits or hyphens',
  },
  'invoicing.issue_date_before_previous': {
    status: 409,
    title: 'The issue date is before the previous number of the series',
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
  'invoicing.billing_settings_missing': {
    status: 409,
    title: 'Billing settings are missing or incomplete: set them before issuing',
  },
  'invoicing.buyer_incomplete': {
    status: 422,
    title: 'The customer lacks master data an invoice needs',
  },
  'invoicing.vat_combination_invalid': {
    status: 422,
    title: 'The VAT categories and rates do not form a valid EN 16931 combination',
  },
  'invoicing.totals_invalid': {
    status: 422,
    title: 'The amounts of the document do not add up to a valid invoice',
  },
  'invoicing.exchange_rate_missing': {
    status: 422,
    title: 'No exchange rate to the accounting currency on or before the issue date',
  },
  'invoicing.not_a_draft': {
    status: 409,
    title: 'The document is issued; an issued document never changes',
  },
  'invoicing.not_issued': {
    status: 409,
    title: 'The document is a draft; issue it first',
  },
  'invoicing.already_issued': {
    status: 409,
    title: 'The document is issued already',
  },
  'invoicing.corrected_invoice_invalid': {
    status: 422,
    title: 'A credit note corrects one issued invoice of the same customer and currency',
  },
  'invoicing.payment_reference_exhausted': {
    status: 409,
    title: 'The payment reference scheme has no room for this number',
  },
  'invoicing.logo_invalid': {
    status: 422,
    title: 'A logo is a PNG or JPEG image',
  },
  'invoicing.logo_too_large': {
    status: 413,
    title: 'The logo is larger than allowed',
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
