import { domainError } from '../../core/errors.js'
import type { OrderStatus } from './tables.js'

// The order's life, kept as data: which action may happen in which status, and where it
// leads. draft → confirmed (or credit_hold) → partially_shipped → shipped → invoiced → closed;
// cancelled from draft, confirmed or credit_hold only. Every service function asks
// assertTransition() before it changes anything, so an illegal step is refused with the
// order's status and the statuses that would have allowed it.

export type OrderAction =
  | 'edit'
  | 'confirm'
  | 'hold'
  | 'release_hold'
  | 'reject_hold'
  | 'cancel'
  | 'record_prepayment'
  | 'ship'
  | 'invoice'
  | 'close'

type Transition = {
  from: readonly OrderStatus[]
  to: OrderStatus | 'shipped or partially_shipped' | null
  verb: string
}

export const orderTransitions: Record<OrderAction, Transition> = {
  edit: { from: ['draft'], to: null, verb: 'be changed' },
  confirm: { from: ['draft'], to: 'confirmed', verb: 'be confirmed' },
  hold: { from: ['draft'], to: 'credit_hold', verb: 'go on credit hold' },
  release_hold: { from: ['credit_hold'], to: 'confirmed', verb: 'be released from credit hold' },
  reject_hold: { from: ['credit_hold'], to: 'cancelled', verb: 'be rejected on credit hold' },
  cancel: { from: ['draft', 'confirmed', 'credit_hold'], to: 'cancelled', verb: 'be cancelled' },
  record_prepayment: {
    from: ['draft', 'credit_hold', 'confirmed'],
    to: null,
    verb: 'receive a prepayment',
  },
  ship: {
    from: ['confirmed', 'partially_shipped'],
    to: 'shipped or partially_shipped',
    verb: 'be shipped',
  },
  invoice: { from: ['shipped'], to: 'invoiced', verb: 'be marked invoiced' },
  close: { from: ['invoiced'], to: 'closed', verb: 'be closed' },
}

export function mayTransition(status: OrderStatus, action: OrderAction): boolean {
  return orderTransitions[action].from.includes(status)
}

/** Throws orders.transition_not_allowed naming the order, its status and what would allow it. */
export function assertTransition(
  order: { id: string; number: number; status: OrderStatus },
  action: OrderAction,
  code:
    | 'orders.transition_not_allowed'
    | 'shipments.order_not_shippable' = 'orders.transition_not_allowed',
): void {
  if (mayTransition(order.status, action)) return
  const { from, verb } = orderTransitions[action]
  throw domainError(
    code,
    `Order ${order.number} is ${order.status}; it can ${verb} only when ${from.join(' or ')}`,
    {
      order: order.id,
      order_number: order.number,
      order_status: order.status,
      action,
      allowed_from: from,
    },
  )
}
