import { registerErrors } from '../../core/errors.js'

// The expected failures of order management, named by the rule that broke.
export const orderErrors = registerErrors({
  'orders.transition_not_allowed': {
    status: 409,
    title: 'The order is not in a status that allows this',
  },
  'orders.no_lines': { status: 422, title: 'An order needs at least one line to be confirmed' },
  'orders.prepayment_not_required': {
    status: 422,
    title: 'This order does not require prepayment',
  },
  'orders.prepayment_exceeds_open': {
    status: 422,
    title: 'The prepayment is more than the order still awaits',
  },
  'orders.prepayment_reference_used': {
    status: 409,
    title: 'A prepayment with this reference was recorded on this order already',
  },
  'orders.currency_mismatch': {
    status: 422,
    title: 'The amount is in another currency than the order',
  },
  'orders.has_shipments': {
    status: 409,
    title: 'The order has shipments and cannot be cancelled',
  },
  'orders.import_rejected': {
    status: 422,
    title: 'The file has rows that cannot be imported; nothing was imported',
  },
  'shipments.order_not_shippable': {
    status: 409,
    title: 'The order cannot be shipped in its current status',
  },
  'shipments.prepayment_outstanding': {
    status: 409,
    title: 'The order requires prepayment and has not been paid',
  },
  'shipments.over_shipment': {
    status: 422,
    title: 'More would be shipped than was ordered',
  },
  'shipments.line_not_on_order': {
    status: 422,
    title: 'The order line is not a line of this order',
  },
  'shipments.tracking_number_taken': {
    status: 409,
    title: 'Another shipment has this tracking number',
  },
  'shipments.already_delivered': { status: 409, title: 'The shipment was delivered already' },
  'shipments.carrier_events_rejected': {
    status: 422,
    title: 'The carrier events file has rows that cannot be applied; nothing was applied',
  },
  'shipments.invoiced_exceeds_shipped': {
    status: 422,
    title: 'More would be invoiced than was shipped and not yet invoiced',
  },
})
