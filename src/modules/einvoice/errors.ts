import { registerErrors } from '../../core/errors.js'

// The expected failures of the e-invoice renderers: a document that EN 16931 or Peppol BIS
// Billing 3.0 would reject, named by the rule, so it is refused before anything is sent.
export const einvoiceErrors = registerErrors({
  'einvoice.buyer_reference_missing': {
    status: 422,
    title: "Peppol needs the buyer's reference or the order reference",
  },
  'einvoice.electronic_address_missing': {
    status: 422,
    title: 'Peppol needs the electronic address of the seller and of the buyer',
  },
  'einvoice.vat_id_missing': {
    status: 422,
    title: 'This VAT category needs the VAT identifier of the seller or the buyer',
  },
  'einvoice.vat_categories_incompatible': {
    status: 422,
    title: 'A document outside the scope of VAT (O) cannot have other VAT categories',
  },
  'einvoice.delivery_missing': {
    status: 422,
    title: 'An intra-community supply needs a delivery date or an invoicing period',
  },
})
