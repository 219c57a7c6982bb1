import { registerErrors } from '../../../core/errors.js'

// The expected failures of disputes (disputes.ts, attachments.ts), each named by the rule
// that broke. docs/errors.md documents every one.
export const disputeErrors = registerErrors({
  'collections.dispute_exceeds_open': {
    status: 422,
    title: 'The disputed amount is more than is open on the invoice and not yet disputed',
  },
  'collections.dispute_invoice_not_open': {
    status: 422,
    title: 'Only an issued invoice with something open can be disputed',
  },
  'collections.dispute_line_unknown': {
    status: 422,
    title: 'The invoice has no such line',
  },
  'collections.dispute_owner_unknown': {
    status: 422,
    title: 'The owner is not a user of this tenant',
  },
  'collections.dispute_transition_not_allowed': {
    status: 409,
    title: 'The dispute cannot go to that status from where it is',
  },
  'collections.dispute_credit_exceeds_disputed': {
    status: 422,
    title: 'The credit note would credit more than was disputed',
  },
  'collections.attachment_too_large': {
    status: 413,
    title: 'The attachment is larger than disputes accept',
  },
  'collections.attachment_type_not_allowed': {
    status: 415,
    title: 'Disputes accept PDF, images, plain text and e-mail (.eml) attachments only',
  },
  'collections.dispute_attachments_full': {
    status: 409,
    title: 'The dispute has as many attachments as it may have',
  },
})
