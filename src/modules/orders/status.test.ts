import { describe, expect, test } from 'vitest'
import './errors.js'
import { assertTransition, mayTransition, type OrderAction } from './status.js'
import { type OrderStatus, orderStatuses } from './tables.js'

// The whole machine, one row per action: the statuses it is allowed from. Every other
// (status, action) pair must be refused.
const allowed: Record<OrderAction, OrderStatus[]> = {
  edit: ['draft'],
  confirm: ['draft'],
  hold: ['draft'],
  release_hold: ['credit_hold'],
  reject_hold: ['credit_hold'],
  cancel: ['draft', 'confirmed', 'credit_hold'],
  record_prepayment: ['draft', 'credit_hold', 'confirmed'],
  ship: ['confirmed', 'partially_shipped'],
  invoice: ['shipped'],
  close: ['invoiced'],
}

describe('order status machine', () => {
  const cases = Object.entries(allowed).flatMap(([action, from]) =>
    orderStatuses.map((status) => ({ action, status, ok: from.includes(status) })),
  )

  test.each(cases)('$action from $status: allowed=$ok', ({ action, status, ok }) => {
    expect(mayTransition(status, action as OrderAction)).toBe(ok)
    const order = { id: 'o-1', number: 7, status }
    if (ok) expect(() => assertTransition(order, action as OrderAction)).not.toThrow()
    else {
      expect(() => assertTransition(order, action as OrderAction)).toThrow(
        new RegExp(`^Order 7 is ${status}; it can .+ only when `),
      )
    }
  })

  test('closed and cancelled are final', () => {
    for (const status of ['closed', 'cancelled'] as const) {
      for (const action of Object.keys(allowed) as OrderAction[]) {
        expect(mayTransition(status, action)).toBe(false)
      }
    }
  })
})
