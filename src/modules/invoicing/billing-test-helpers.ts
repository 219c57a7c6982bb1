import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import { call, type TestTenant } from '../../../test/support.js'
import { creditLimit } from '../orders/test-helpers.js'
import { putCustomerBilling } from './customer-billing.js'
import type { BillingFrequency } from './tables.js'
import { arrangeCustomer } from './test-helpers.js'

// Arranging what billing bills: customers with a billing frequency and a credit limit, orders
// confirmed and shipped through the orders API, as the order coordinator does it.

export type Arranger = { app: FastifyInstance; tenant: TestTenant; coordinator: string }

export const orderLine = (item: string, quantity: string, unitPrice = '2.00', vatRate = '21') => ({
  item_code: item,
  quantity,
  unit_price: unitPrice,
  vat_category: 'S',
  vat_rate: vatRate,
})

/** A customer billed at `frequency` (per_shipment when not given) with room on its limit. */
export async function billedCustomer(
  a: Arranger,
  frequency?: BillingFrequency,
  options: { creditLimit?: boolean } = {},
): Promise<string> {
  const customer = await a.tenant.run((ctx) => arrangeCustomer(ctx))
  if (frequency) {
    await a.tenant.run((ctx) =>
      putCustomerBilling(
        ctx,
        customer.id,
        {
          billingFrequency: frequency,
          invoiceChannel: 'email',
          invoiceEmail: null,
          peppol: null,
          buyerReference: null,
        },
        0,
      ),
    )
  }
  if (options.creditLimit !== false) {
    await creditLimit(a.app, a.tenant, customer.id, { limit: '10000000.00' })
  }
  return customer.id
}

export type ApiOrder = { id: string; number: number; status: string; lines: { id: string }[] }

export async function confirmedOrder(
  a: Arranger,
  customerId: string,
  lines = [orderLine('A', '10'), orderLine('B', '2.5')],
  extra: Record<string, unknown> = {},
): Promise<ApiOrder> {
  const order = await call(a.app, a.coordinator, 'POST', '/v1/orders', {
    customer_id: customerId,
    lines,
    confirm: true,
    ...extra,
  })
  expect(order.status, JSON.stringify(order.body)).toBe(201)
  return order.body
}

/** Ships [order line index, quantity] pairs of an order in one parcel, now (or at `at`). */
export async function ship(
  a: Arranger,
  order: ApiOrder,
  lines: [number, string][],
  at?: string,
): Promise<string> {
  const shipment = await call(a.app, a.coordinator, 'POST', '/v1/shipments', {
    order_id: order.id,
    lines: lines.map(([index, quantity]) => ({
      order_line_id: order.lines[index].id,
      quantity,
    })),
    carrier: 'PostNL',
    ...(at ? { shipped_at: at } : {}),
  })
  expect(shipment.status, JSON.stringify(shipment.body)).toBe(201)
  return shipment.body.id
}

export async function orderStatus(a: Arranger, orderId: string): Promise<string> {
  return (await call(a.app, a.coordinator, 'GET', `/v1/orders/${orderId}`)).body.status
}
