import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { jobHandlers } from '../../modules.js'
import type { Platform } from '../../platform.js'
import { creditPolicy } from '../orders/test-helpers.js'
import { startWorker } from '../outbox/index.js'
import { billOrder, billPrepayment, billShipments } from './billing.js'
import {
  type Arranger,
  billedCustomer,
  confirmedOrder,
  orderLine,
  orderStatus,
  ship,
} from './billing-test-helpers.js'
import { getInvoice } from './queries.js'
import { settleInvoice } from './settlements.js'
import { arrangeBillingSettings } from './test-helpers.js'

// Bill on shipment, bill on order and the prepayment invoice, on a real store: what the
// billing specialist sees (invoices, their lines and numbers, the order's status) and what
// must never happen (a shipment line billed twice, a refused order that leaves a trace).

const clock = manualClock('2026-03-02T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let a: Arranger

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  acme = await testTenant(platform)
  a = { app, tenant: acme, coordinator: await acme.key('order_coordinator') }
  await acme.run((ctx) => arrangeBillingSettings(ctx))
  await creditPolicy(app, acme)
})

const invoicesOf = (customerId: string) =>
  acme.run((ctx) =>
    ctx.db
      .selectFrom('invoice')
      .select(['id', 'number', 'origin', 'status'])
      .where('customerId', '=', customerId)
      .orderBy('number')
      .execute(),
  )

async function drainJobs() {
  const worker = startWorker(platform, jobHandlers(), { background: false })
  await worker.drain()
  await worker.stop()
}

describe('bill on shipment', () => {
  test('one invoice per shipment from what was shipped; billing again bills nothing', async () => {
    const customerId = await billedCustomer(a)
    const order = await confirmedOrder(a, customerId, [orderLine('A', '10'), orderLine('B', '4')], {
      customer_reference: 'PO-7781',
    })
    await ship(a, order, [
      [0, '6'],
      [1, '4'],
    ])
    await ship(a, order, [[0, '4']])

    const first = await billShipments(acme.run, { customerId })
    expect(first.invoices).toHaveLength(2)
    expect(first.failures).toEqual([])
    const [one, two] = await Promise.all(
      first.invoices.map((i) => acme.run((ctx) => getInvoice(ctx, i.invoiceId))),
    )
    expect(one.origin).toBe('shipment')
    expect(one.status).toBe('issued')
    expect(one.orderReference).toBe('PO-7781')
    expect(one.deliveryDate).toBe('2026-03-02')
    expect(one.lines.map((l) => [l.itemCode, l.quantity, l.netMinor])).toEqual([
      ['A', { units: 6n, scale: 0 }, 1200n],
      ['B', { units: 4n, scale: 0 }, 800n],
    ])
    // 20.00 + 21% VAT
    expect(one.totals.taxInclusiveMinor).toBe(2420n)
    expect(two.lines.map((l) => l.itemCode)).toEqual(['A'])
    expect(two.totals.lineNetMinor).toBe(800n)
    expect(await orderStatus(a, order.id)).toBe('invoiced')

    const again = await billShipments(acme.run, { customerId })
    expect(again.invoices).toEqual([])
    expect(await invoicesOf(customerId)).toHaveLength(2)
  })

  test('per_order customers get one invoice per order once it is fully shipped', async () => {
    const customerId = await billedCustomer(a, 'per_order')
    const order = await confirmedOrder(a, customerId)
    await ship(a, order, [[0, '10']])
    expect((await billShipments(acme.run, { customerId })).invoices).toEqual([])
    await ship(a, order, [[1, '2.5']])
    const billed = await billShipments(acme.run, { customerId })
    expect(billed.invoices).toHaveLength(1)
    expect(billed.invoices[0].linesCount).toBe(2)
    expect(await orderStatus(a, order.id)).toBe('invoiced')
  })

  test('weekly and monthly customers wait for the billing run', async () => {
    const weekly = await billedCustomer(a, 'weekly')
    const order = await confirmedOrder(a, weekly)
    await ship(a, order, [[0, '10']])
    expect((await billShipments(acme.run, { customerId: weekly })).invoices).toEqual([])
  })

  test('shipped_to leaves later shipments for a later call', async () => {
    const customerId = await billedCustomer(a)
    const order = await confirmedOrder(a, customerId)
    await ship(a, order, [[0, '5']], '2026-02-27T15:00:00+01:00')
    await ship(a, order, [[0, '5']], '2026-03-01T23:30:00+01:00')
    const billed = await billShipments(acme.run, { customerId, shippedTo: '2026-02-28' })
    expect(billed.invoices).toHaveLength(1)
    expect((await billShipments(acme.run, { customerId })).invoices).toHaveLength(1)
  })

  test('two billing calls at once bill every shipment line once', async () => {
    const customerId = await billedCustomer(a)
    for (let n = 0; n < 6; n++) {
      const order = await confirmedOrder(a, customerId, [orderLine('A', '3'), orderLine('B', '1')])
      await ship(a, order, [
        [0, '2'],
        [1, '1'],
      ])
      await ship(a, order, [[0, '1']])
    }
    const outcomes = await Promise.all([
      billShipments(acme.run, { customerId }),
      billShipments(acme.run, { customerId }),
      billShipments(acme.run, { customerId }),
    ])
    const made = outcomes.flatMap((o) => o.invoices)
    expect(made).toHaveLength(12)
    expect(outcomes.flatMap((o) => o.failures)).toEqual([])
    const lines = await acme.run((ctx) =>
      ctx.db
        .selectFrom('invoiceLine as il')
        .innerJoin('invoice as i', 'i.id', 'il.invoiceId')
        .select(['il.shipmentLineId', 'il.quantity'])
        .where('i.customerId', '=', customerId)
        .execute(),
    )
    expect(lines).toHaveLength(18)
    expect(new Set(lines.map((l) => l.shipmentLineId)).size).toBe(18)
    const numbers = (await invoicesOf(customerId)).map((i) => i.number)
    expect(new Set(numbers).size).toBe(12)
  })
})

describe('bill on order', () => {
  test('invoices the whole order, shipped or not; later shipments count as invoiced', async () => {
    const customerId = await billedCustomer(a)
    const order = await confirmedOrder(a, customerId)
    await ship(a, order, [[0, '4']])
    const invoice = await acme.run((ctx) => billOrder(ctx, order.id))
    expect(invoice.origin).toBe('order')
    expect(invoice.lines.map((l) => [l.itemCode, l.quantity])).toEqual([
      ['A', { units: 10n, scale: 0 }],
      ['B', { units: 25n, scale: 1 }],
    ])
    expect(invoice.orderReference).toBe(String(order.number))
    expect(invoice.dueDate).toBe('2026-04-01')

    await ship(a, order, [
      [0, '6'],
      [1, '2.5'],
    ])
    expect((await billShipments(acme.run, { customerId })).invoices).toEqual([])
    await drainJobs()
    expect(await orderStatus(a, order.id)).toBe('invoiced')
    expect(await invoicesOf(customerId)).toHaveLength(1)
  })

  test.each`
    state                            | arrange           | code
    ${'a draft'}                     | ${'draft'}        | ${'invoicing.order_not_billable'}
    ${'a cancelled order'}           | ${'cancelled'}    | ${'invoicing.order_not_billable'}
    ${'an order on credit hold'}     | ${'credit_hold'}  | ${'invoicing.order_not_billable'}
    ${'an order billed on shipment'} | ${'billed'}       | ${'invoicing.order_already_invoiced'}
    ${'an order billed on order'}    | ${'billed_whole'} | ${'invoicing.order_already_invoiced'}
  `('refuses $state, writing nothing', async ({ arrange, code }) => {
    const customerId = await billedCustomer(a, undefined, {
      creditLimit: arrange !== 'credit_hold',
    })
    let orderId: string
    if (arrange === 'draft' || arrange === 'cancelled') {
      const draft = await call(app, a.coordinator, 'POST', '/v1/orders', {
        customer_id: customerId,
        lines: [orderLine('A', '1')],
      })
      orderId = draft.body.id
      if (arrange === 'cancelled') {
        const cancelled = await call(app, a.coordinator, 'POST', `/v1/orders/${orderId}/cancel`, {
          reason: 'customer changed their mind',
        })
        expect(cancelled.status).toBe(200)
      }
    } else {
      const order = await confirmedOrder(a, customerId)
      orderId = order.id
      if (arrange === 'credit_hold') expect(order.status).toBe('credit_hold')
      if (arrange === 'billed') {
        await ship(a, order, [[0, '1']])
        await billShipments(acme.run, { customerId })
      }
      if (arrange === 'billed_whole') await acme.run((ctx) => billOrder(ctx, orderId))
    }
    const before = await invoicesOf(customerId)
    const key = await acme.key('billing_specialist')
    const refused = await call(app, key, 'POST', `/v1/orders/${orderId}/invoice`, {})
    expect(refused.status).toBe(409)
    expect(refused.body.type).toBe(`/problems/${code}`)
    expect(refused.body.order_id).toBe(orderId)
    expect(await invoicesOf(customerId)).toEqual(before)
  })

  test('POST /v1/orders/{id}/invoice issues the invoice (invoices.write)', async () => {
    const customerId = await billedCustomer(a)
    const order = await confirmedOrder(a, customerId)
    const collector = await call(
      app,
      await acme.key('collector'),
      'POST',
      `/v1/orders/${order.id}/invoice`,
      {},
    )
    expect(collector.status).toBe(403)
    const billed = await call(
      app,
      await acme.key('billing_specialist'),
      'POST',
      `/v1/orders/${order.id}/invoice`,
      {},
    )
    expect(billed.status, JSON.stringify(billed.body)).toBe(201)
    expect(billed.body).toMatchObject({
      origin: 'order',
      status: 'issued',
      customer_id: customerId,
      currency: 'EUR',
      net_total: '25.00',
      vat_total: '5.25',
      total: '30.25',
    })
  })
})

describe('prepayment invoice', () => {
  test('due on the issue date; paid in full, it releases the order to ship, billed once', async () => {
    const customerId = await billedCustomer(a)
    const order = await confirmedOrder(a, customerId, [orderLine('A', '10')], {
      requires_prepayment: true,
    })
    const early = await call(app, a.coordinator, 'POST', '/v1/shipments', {
      order_id: order.id,
      lines: [{ order_line_id: order.lines[0].id, quantity: '10' }],
    })
    expect(early.status).toBe(409)

    const invoice = await acme.run((ctx) => billPrepayment(ctx, order.id))
    expect(invoice.origin).toBe('prepayment')
    expect(invoice.issueDate).toBe('2026-03-02')
    expect(invoice.dueDate).toBe('2026-03-02')
    expect(invoice.totals.payableMinor).toBe(2420n)

    await acme.run((ctx) =>
      settleInvoice(ctx, {
        invoiceId: invoice.id,
        kind: 'payment',
        amountMinor: 2420n,
        currency: 'EUR',
        source: { type: 'test_payment', id: 'pay-1' },
      }),
    )
    await drainJobs()
    await drainJobs()
    const paid = await call(app, a.coordinator, 'GET', `/v1/orders/${order.id}`)
    expect(paid.body.paid_at).not.toBeNull()

    await ship(a, order, [[0, '10']])
    expect((await billShipments(acme.run, { customerId })).invoices).toEqual([])
    await drainJobs()
    expect(await orderStatus(a, order.id)).toBe('invoiced')
    expect(await invoicesOf(customerId)).toHaveLength(1)
  })

  test('refused for an order that does not require prepayment', async () => {
    const customerId = await billedCustomer(a)
    const order = await confirmedOrder(a, customerId)
    const refused = await call(
      app,
      await acme.key('billing_specialist'),
      'POST',
      `/v1/orders/${order.id}/prepayment-invoice`,
      {},
    )
    expect(refused.status).toBe(422)
    expect(refused.body.type).toBe('/problems/invoicing.prepayment_not_required')
    expect(await invoicesOf(customerId)).toEqual([])
  })
})

describe('POST /v1/invoices/bill-shipments', () => {
  test('bills what was shipped for the customer and reports the invoices', async () => {
    const customerId = await billedCustomer(a)
    const order = await confirmedOrder(a, customerId)
    await ship(a, order, [[0, '10']])
    const key = await acme.key('billing_specialist')
    const billed = await call(app, key, 'POST', '/v1/invoices/bill-shipments', {
      customer_id: customerId,
    })
    expect(billed.status, JSON.stringify(billed.body)).toBe(200)
    expect(billed.body.invoices).toHaveLength(1)
    expect(billed.body.invoices[0]).toMatchObject({ customer_id: customerId, total: '24.20' })
    const again = await call(app, key, 'POST', '/v1/invoices/bill-shipments', {
      customer_id: customerId,
    })
    expect(again.body.invoices).toEqual([])
  })
})
