import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test, vi } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { money } from '../../core/money.js'
import type { Platform } from '../../platform.js'
import { orderCommands } from './commands.js'
import { markOrderPrepaid } from './service.js'
import { creditLimit, creditPolicy } from './test-helpers.js'
import { recordInvoicedQuantities, uninvoicedShipmentLines } from './uninvoiced.js'

let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let coordinator: string
let customerId: string

const line = (item: string, quantity: string, unitPrice = '2.00') => ({
  item_code: item,
  quantity,
  unit_price: unitPrice,
  vat_category: 'S',
  vat_rate: '21',
})

async function confirmedOrder(lines = [line('A', '10'), line('B', '2.5')], extra = {}) {
  const order = await call(app, coordinator, 'POST', '/v1/orders', {
    customer_id: customerId,
    lines,
    confirm: true,
    ...extra,
  })
  expect(order.status, JSON.stringify(order.body)).toBe(201)
  return order.body
}

async function ship(order: { id: string }, lines: [string, string][], extra = {}) {
  return call(app, coordinator, 'POST', '/v1/shipments', {
    order_id: order.id,
    lines: lines.map(([orderLineId, quantity]) => ({ order_line_id: orderLineId, quantity })),
    ...extra,
  })
}

async function orderOf(id: string) {
  return (await call(app, coordinator, 'GET', `/v1/orders/${id}`)).body
}

async function eventTypes() {
  return acme.run(
    async (ctx) =>
      await ctx.db.selectFrom('outboxEvent').select(['type', 'payload']).orderBy('id').execute(),
  )
}

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  acme = await testTenant(platform)
  coordinator = await acme.key('order_coordinator')
  const customer = await call(app, coordinator, 'POST', '/v1/customers', {
    number: 'C-200',
    legal_name: 'Groothandel Noord B.V.',
  })
  customerId = customer.body.id
  await creditPolicy(app, acme)
  await creditLimit(app, acme, customerId, { limit: '1000000.00' })
})

describe('shipping an order', () => {
  test('partial shipments per line move the order to partially_shipped, then shipped', async () => {
    const order = await confirmedOrder()
    const [a, b] = order.lines.map((l: { id: string }) => l.id)
    const first = await ship(
      order,
      [
        [a, '4'],
        [b, '2.5'],
      ],
      {
        carrier: 'PostNL',
        tracking_number: '3SABCD1234567',
      },
    )
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    expect(first.body).toMatchObject({
      status: 'shipped',
      carrier: 'postnl',
      tracking_url: 'https://jouw.postnl.nl/track-and-trace/3SABCD1234567',
    })
    let current = await orderOf(order.id)
    expect(current.status).toBe('partially_shipped')
    expect(current.lines.map((l: { quantity_shipped: string }) => l.quantity_shipped)).toEqual([
      '4',
      '2.5',
    ])
    const second = await ship(order, [[a, '6']], { carrier: 'DHL', tracking_number: 'JD0146' })
    expect(second.body.tracking_url).toContain('tracking-id=JD0146')
    current = await orderOf(order.id)
    expect(current.status).toBe('shipped')
    expect(current.shipped_at).not.toBeNull()

    const events = (await eventTypes()).filter(
      (e) => (e.payload as { order_id?: string }).order_id === order.id,
    )
    expect(events.map((e) => e.type)).toEqual([
      'order.created',
      'order.confirmed',
      'shipment.shipped',
      'shipment.shipped',
      'order.shipped',
    ])
    expect(events[2].payload).toMatchObject({
      customer_id: customerId,
      tracking_number: '3SABCD1234567',
      tracking_url: 'https://jouw.postnl.nl/track-and-trace/3SABCD1234567',
      shipment_id: first.body.id,
    })
  })

  test('over-shipment is refused naming the line, and nothing is shipped', async () => {
    const order = await confirmedOrder()
    const [a, b] = order.lines.map((l: { id: string }) => l.id)
    await ship(order, [[a, '7']])
    const refused = await ship(order, [
      [b, '1'],
      [a, '3.0001'],
    ])
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({
      type: '/problems/shipments.over_shipment',
      field: 'lines[1].quantity',
      ordered: '10',
      already_shipped: '7',
      left: '3',
    })
    const current = await orderOf(order.id)
    expect(current.lines.map((l: { quantity_shipped: string }) => l.quantity_shipped)).toEqual([
      '7',
      '0',
    ])
    const shipments = await call(app, coordinator, 'GET', `/v1/shipments?order_id=${order.id}`)
    expect(shipments.body.data).toHaveLength(1)
  })

  test('two shipments sent at once cannot together exceed the ordered quantity', async () => {
    const order = await confirmedOrder()
    const a = order.lines[0].id
    const results = await Promise.all([ship(order, [[a, '6']]), ship(order, [[a, '6']])])
    expect(results.map((r) => r.status).sort()).toEqual([201, 422])
    expect((await orderOf(order.id)).lines[0].quantity_shipped).toBe('6')
  })

  test.each`
    case                         | lines                                              | field                       | status
    ${'a line of another order'} | ${[['0190f0f0-0000-7000-8000-000000000000', '1']]} | ${'lines[0].order_line_id'} | ${422}
    ${'a zero quantity'}         | ${[['A', '0']]}                                    | ${'lines[0].quantity'}      | ${400}
    ${'a line twice'}            | ${[['A', '1'], ['A', '1']]}                        | ${'lines[1].order_line_id'} | ${400}
  `('refuses $case', async ({ lines, field, status }) => {
    const order = await confirmedOrder()
    const ids: Record<string, string> = { A: order.lines[0].id }
    const refused = await ship(
      order,
      lines.map(([id, quantity]: [string, string]) => [ids[id] ?? id, quantity]),
    )
    expect(refused.status).toBe(status)
    expect(refused.body.field ?? refused.body.errors[0].field).toBe(field)
  })

  test('a draft or a held order cannot ship', async () => {
    const draft = await call(app, coordinator, 'POST', '/v1/orders', {
      customer_id: customerId,
      lines: [line('A', '1')],
    })
    const refused = await ship(draft.body, [[draft.body.lines[0].id, '1']])
    expect(refused.status).toBe(409)
    expect(refused.body.type).toBe('/problems/shipments.order_not_shippable')
    expect(refused.body.detail).toContain('is draft')
  })

  test('a prepayment order cannot ship before it is paid, and ships once it is', async () => {
    const order = await confirmedOrder([line('A', '5', '10.00')], { requires_prepayment: true })
    expect(order.prepayment).toEqual({ received: '0.00', open: '60.50', paid_at: null })
    const refused = await ship(order, [[order.lines[0].id, '5']])
    expect(refused.status).toBe(409)
    expect(refused.body.type).toBe('/problems/shipments.prepayment_outstanding')
    expect(refused.body.detail).toContain('not paid yet (0.00 of 60.50 EUR received)')

    const finance = await acme.key('cash_application_specialist')
    const url = `/v1/orders/${order.id}/prepayment-received`
    const part = await call(app, finance, 'POST', url, {
      reference: 'BANK-1',
      amount: '50.00',
      currency: 'EUR',
    })
    expect(part.body.prepayment).toEqual({ received: '50.00', open: '10.50', paid_at: null })
    expect((await ship(order, [[order.lines[0].id, '5']])).status).toBe(409)
    const tooMuch = await call(app, finance, 'POST', url, {
      reference: 'BANK-2',
      amount: '10.51',
      currency: 'EUR',
    })
    expect(tooMuch.body).toMatchObject({
      type: '/problems/orders.prepayment_exceeds_open',
      field: 'amount',
    })
    const decimals = await call(app, finance, 'POST', url, {
      reference: 'BANK-2',
      amount: '10.505',
      currency: 'EUR',
    })
    expect(decimals.body.errors[0].field).toBe('amount')
    const coordinatorMayNot = await call(app, coordinator, 'POST', url, {
      reference: 'BANK-2',
      amount: '10.50',
      currency: 'EUR',
    })
    expect(coordinatorMayNot.status).toBe(403)

    // Cash application will call the service function directly.
    const paid = await acme.run((ctx) =>
      markOrderPrepaid(ctx, order.id, { reference: 'BANK-2', amount: money(1050n, 'EUR') }),
    )
    expect(paid.paidAt).not.toBeNull()
    const shipped = await ship(order, [[order.lines[0].id, '5']])
    expect(shipped.status).toBe(201)
  })

  test('a prepayment on an order without prepayment is refused', async () => {
    const order = await confirmedOrder()
    const refused = await call(
      app,
      await acme.key('cash_application_specialist'),
      'POST',
      `/v1/orders/${order.id}/prepayment-received`,
      { reference: 'X', amount: '1.00', currency: 'EUR' },
    )
    expect(refused.body.type).toBe('/problems/orders.prepayment_not_required')
  })

  test('a tracking number belongs to one shipment', async () => {
    const order = await confirmedOrder()
    await ship(order, [[order.lines[0].id, '1']], { carrier: 'ups', tracking_number: '1Z999' })
    const again = await ship(order, [[order.lines[0].id, '1']], { tracking_number: '1Z999' })
    expect(again.status).toBe(409)
    expect(again.body.field).toBe('tracking_number')
  })

  test('delivery is recorded once, with an event for the customer', async () => {
    const order = await confirmedOrder()
    const shipment = await ship(order, [[order.lines[0].id, '10']], {
      carrier: 'gls',
      tracking_number: 'GLS-1',
    })
    const url = `/v1/shipments/${shipment.body.id}/deliver`
    const delivered = await call(app, coordinator, 'POST', url, {
      delivered_at: '2026-03-03T10:00:00+01:00',
    })
    expect(delivered.body).toMatchObject({
      status: 'delivered',
      delivered_at: '2026-03-03T09:00:00.000Z',
    })
    expect((await call(app, coordinator, 'POST', url, {})).body.type).toBe(
      '/problems/shipments.already_delivered',
    )
    const event = (await eventTypes()).findLast((e) => e.type === 'shipment.delivered')
    expect(event?.payload).toMatchObject({
      shipment_id: shipment.body.id,
      customer_id: customerId,
      tracking_url: 'https://gls-group.com/track/GLS-1',
    })
  })

  test('shipments are found by order, status, carrier and tracking number', async () => {
    const order = await confirmedOrder()
    const made = await ship(order, [[order.lines[0].id, '1']], {
      carrier: 'DPD',
      tracking_number: 'DPD-FIND',
    })
    const q = async (query: string) =>
      (await call(app, coordinator, 'GET', `/v1/shipments?${query}`)).body.data.map(
        (s: { id: string }) => s.id,
      )
    expect(await q(`order_id=${order.id}`)).toEqual([made.body.id])
    expect(await q('tracking_number=DPD-FIND')).toEqual([made.body.id])
    expect(await q('carrier=dpd&status=shipped')).toEqual([made.body.id])
    expect(await q(`customer_id=${customerId}&status=delivered`)).not.toContain(made.body.id)
    const one = await call(app, coordinator, 'GET', `/v1/shipments/${made.body.id}`)
    expect(one.headers.etag).toBe('"2"')
    expect(one.body.lines[0]).toMatchObject({
      item_code: 'A',
      quantity: '1',
      quantity_invoiced: '0',
    })
  })
})

describe('carrier events from CSV', () => {
  async function registered(trackingNumber: string) {
    const order = await confirmedOrder()
    const shipment = await ship(order, [[order.lines[0].id, '10']], {
      carrier: 'postnl',
      tracking_number: trackingNumber,
      shipped_at: null,
    })
    expect(shipment.body.status).toBe('registered')
    return { order, shipment: shipment.body }
  }

  const importEvents = (csv: string, headers: Record<string, string> = {}) =>
    call(app, coordinator, 'POST', '/v1/shipments/carrier-events', csv, {
      'content-type': 'text/csv',
      ...headers,
    })

  test('shipped and delivered events move the parcels; repeating the file changes nothing', async () => {
    const one = await registered('EV-1')
    const two = await registered('EV-2')
    expect((await orderOf(one.order.id)).status).toBe('confirmed')
    const csv = [
      'tracking_number,event,occurred_at,carrier',
      'EV-1,shipped,2026-03-02T08:00:00Z,PostNL',
      'EV-1,delivered,2026-03-03T11:30:00+01:00,PostNL',
      'EV-2,delivered,2026-03-03T12:00:00Z,',
    ].join('\n')
    const applied = await importEvents(csv)
    expect(applied.status, JSON.stringify(applied.body)).toBe(200)
    expect(applied.body).toEqual({ rows: 3, shipped: 1, delivered: 2, unchanged: 0 })
    const first = await call(app, coordinator, 'GET', `/v1/shipments/${one.shipment.id}`)
    expect(first.body).toMatchObject({
      status: 'delivered',
      shipped_at: '2026-03-02T08:00:00.000Z',
      delivered_at: '2026-03-03T10:30:00.000Z',
    })
    expect((await orderOf(one.order.id)).status).toBe('partially_shipped')
    expect((await orderOf(two.order.id)).lines[0].quantity_shipped).toBe('10')
    const again = await importEvents(csv)
    expect(again.body).toEqual({ rows: 3, shipped: 0, delivered: 0, unchanged: 3 })
  })

  test('a file with an unknown tracking number or a bad row applies nothing', async () => {
    const parcel = await registered('EV-3')
    const eventsBefore = (await eventTypes()).length
    const refused = await importEvents(
      [
        'tracking_number,event,occurred_at',
        'EV-3,shipped,2026-03-02T08:00:00Z',
        'NOPE-1,delivered,2026-03-03T08:00:00Z',
        'EV-3,lost,2026-03-03T08:00:00Z',
        'EV-3,delivered,yesterday',
      ].join('\n'),
    )
    expect(refused.status).toBe(422)
    expect(refused.body.type).toBe('/problems/shipments.carrier_events_rejected')
    expect(refused.body.errors).toEqual([
      { line: 3, field: 'tracking_number', message: 'no shipment with tracking number NOPE-1' },
      { line: 4, field: 'event', message: 'must be shipped or delivered, not "lost"' },
      expect.objectContaining({ line: 5, field: 'occurred_at' }),
    ])
    const shipment = await call(app, coordinator, 'GET', `/v1/shipments/${parcel.shipment.id}`)
    expect(shipment.body.status).toBe('registered')
    expect((await eventTypes()).length).toBe(eventsBefore)
  })

  test('o2c shipments import-events applies a file and prints the report', async () => {
    await registered('EV-CLI')
    const path = join(mkdtempSync(join(tmpdir(), 'o2c-events-')), 'events.csv')
    writeFileSync(
      path,
      'tracking_number,event,occurred_at\nEV-CLI,delivered,2026-03-04T09:00:00Z\n',
    )
    let output = ''
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output += String(chunk)
      return true
    })
    try {
      const program = new Command('o2c').exitOverride()
      orderCommands(program, {
        platform: async () => platform,
        tenantSlug: (options) => options.tenant ?? '',
      })
      await program.parseAsync([
        'node',
        'o2c',
        'shipments',
        'import-events',
        path,
        '--tenant',
        acme.slug,
        '--json',
      ])
    } finally {
      vi.restoreAllMocks()
    }
    expect(JSON.parse(output)).toEqual({ rows: 1, shipped: 0, delivered: 1, unchanged: 0 })
  })

  test('an unknown column is refused before any row is read', async () => {
    const refused = await importEvents('tracking_number,event,signed_by\nEV-X,delivered,Ann\n')
    expect(refused.status).toBe(422)
    expect(refused.body.errors[0]).toMatchObject({ line: 1, field: 'signed_by' })
  })
})

describe('shipped and not yet invoiced', () => {
  test('lists uninvoiced shipment lines with their net amount, and invoicing marks them', async () => {
    const customer = await call(app, coordinator, 'POST', '/v1/customers', {
      number: 'C-201',
      legal_name: 'Invoice Me B.V.',
    })
    await creditLimit(app, acme, customer.body.id, { limit: '1000.00' })
    const order = (
      await call(app, coordinator, 'POST', '/v1/orders', {
        customer_id: customer.body.id,
        lines: [line('A', '3', '3.33'), { ...line('B', '1', '100.00'), discount_percent: '12.5' }],
        confirm: true,
      })
    ).body
    const [a, b] = order.lines.map((l: { id: string }) => l.id)
    await ship(order, [[a, '2']])
    await ship(
      order,
      [
        [a, '1'],
        [b, '1'],
      ],
      { shipped_at: null, tracking_number: 'NOT-YET' },
    )
    const url = `/v1/shipments/uninvoiced?customer_id=${customer.body.id}`
    let list = await call(app, coordinator, 'GET', url)
    expect(list.body.data).toEqual([
      expect.objectContaining({
        order_id: order.id,
        order_line_id: a,
        item_code: 'A',
        quantity: '2',
        unit_price: '3.33',
        net_amount: '6.66',
        vat_category: 'S',
        vat_rate: '21',
        currency: 'EUR',
      }),
    ])
    await importCsv('tracking_number,event\nNOT-YET,shipped\n')
    list = await call(app, coordinator, 'GET', url)
    expect(list.body.data.map((l: { net_amount: string }) => l.net_amount)).toEqual([
      '6.66',
      '3.33',
      '87.50',
    ])
    expect((await orderOf(order.id)).status).toBe('shipped')

    // Invoicing bills part of the first line, then the rest.
    const lines = list.body.data.map((l: { shipment_line_id: string; quantity: string }) => ({
      shipmentLineId: l.shipment_line_id,
      quantity: l.quantity,
    }))
    const refused = await acme
      .run((ctx) => recordInvoicedQuantities(ctx, [{ ...lines[0], quantity: '2.0001' }]))
      .catch((error) => error)
    expect(refused.code).toBe('shipments.invoiced_exceeds_shipped')
    await acme.run((ctx) => recordInvoicedQuantities(ctx, [{ ...lines[0], quantity: '1' }]))
    const partly = await acme.run((ctx) =>
      uninvoicedShipmentLines(ctx, { customerId: customer.body.id }),
    )
    expect(partly.data[0].quantity).toEqual({ units: 1n, scale: 0 })
    expect(partly.data[0].netMinor).toBe(333n)
    expect((await orderOf(order.id)).status).toBe('shipped')
    const result = await acme.run((ctx) =>
      recordInvoicedQuantities(ctx, [{ ...lines[0], quantity: '1' }, lines[1], lines[2]]),
    )
    expect(result.ordersInvoiced).toEqual([order.id])
    expect((await orderOf(order.id)).status).toBe('invoiced')
    expect((await call(app, coordinator, 'GET', url)).body.data).toEqual([])
  })
})

async function importCsv(csv: string) {
  const applied = await call(app, coordinator, 'POST', '/v1/shipments/carrier-events', csv, {
    'content-type': 'text/csv',
  })
  expect(applied.status, JSON.stringify(applied.body)).toBe(200)
  return applied.body
}
