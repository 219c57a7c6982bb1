import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Platform } from '../../platform.js'
import { creditLimit, creditPolicy } from './test-helpers.js'

let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let coordinator: string
let customerId: string

const line = (overrides: Record<string, unknown> = {}) => ({
  item_code: 'BREAD-01',
  description: 'Sourdough loaf',
  quantity: '10',
  unit: 'C62',
  unit_price: '3.50',
  vat_category: 'S',
  vat_rate: '9',
  ...overrides,
})

async function draft(body: Record<string, unknown> = {}) {
  const created = await call(app, coordinator, 'POST', '/v1/orders', {
    customer_id: customerId,
    lines: [line()],
    ...body,
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body
}

async function eventsOf(entityId: string) {
  return acme.run((ctx) =>
    ctx.db
      .selectFrom('outboxEvent')
      .select(['type', 'payload'])
      .where('entityId', '=', entityId)
      .orderBy('id')
      .execute(),
  )
}

beforeAll(async () => {
  platform = await testPlatform()
  app = await testServer(platform)
  acme = await testTenant(platform)
  coordinator = await acme.key('order_coordinator')
  const customer = await call(app, coordinator, 'POST', '/v1/customers', {
    number: 'C-100',
    legal_name: 'Bakkerij De Gouden Korst B.V.',
    currency: 'EUR',
    payment_terms_days: 14,
  })
  customerId = customer.body.id
  await creditPolicy(app, acme)
  await creditLimit(app, acme, customerId, { limit: '1000000.00' })
})

describe('taking an order', () => {
  test('a draft takes currency and payment terms from the customer and prices its lines', async () => {
    const order = await draft({
      customer_reference: 'PO-4711',
      requested_delivery_date: '2026-04-01',
      lines: [
        line(),
        line({
          item_code: 'CAKE',
          quantity: '2.5',
          unit_price: '3.99',
          discount_percent: '10',
          vat_rate: 21,
        }),
        line({
          item_code: 'EXPORT',
          quantity: 1,
          unit_price: '100',
          vat_category: 'G',
          vat_rate: '0',
        }),
      ],
    })
    expect(order).toMatchObject({
      status: 'draft',
      currency: 'EUR',
      payment_terms_days: 14,
      customer_reference: 'PO-4711',
      requested_delivery_date: '2026-04-01',
      requires_prepayment: false,
      prepayment: null,
      net_total: '143.98',
      vat_total: '5.04',
      gross_total: '149.02',
    })
    expect(order.lines.map((l: { net_amount: string }) => l.net_amount)).toEqual([
      '35.00',
      '8.98',
      '100.00',
    ])
    expect(order.lines[1]).toMatchObject({
      quantity: '2.5',
      discount_percent: '10',
      vat_rate: '21',
    })
    expect(order.vat_breakdown).toEqual([
      { vat_category: 'S', vat_rate: '21', taxable_amount: '8.98', vat_amount: '1.89' },
      { vat_category: 'S', vat_rate: '9', taxable_amount: '35.00', vat_amount: '3.15' },
      { vat_category: 'G', vat_rate: '0', taxable_amount: '100.00', vat_amount: '0.00' },
    ])
    const read = await call(app, coordinator, 'GET', `/v1/orders/${order.id}`)
    expect(read.headers.etag).toBe('"1"')
    expect(read.body.gross_total).toBe('149.02')
    expect((await eventsOf(order.id)).map((e) => e.type)).toEqual(['order.created'])
  })

  test('the reply to a write is the order as stored', async () => {
    for (const confirm of [false, true]) {
      const written = await draft({
        confirm,
        lines: [line(), line({ quantity: '0.3333', unit_price: '0.10', vat_rate: '21' })],
      })
      const read = await call(app, coordinator, 'GET', `/v1/orders/${written.id}`)
      expect(written).toEqual(read.body)
    }
  })

  test('order numbers increase per tenant', async () => {
    const first = await draft()
    const second = await draft()
    expect(second.number).toBe(first.number + 1)
    const other = await testTenant(platform)
    const otherCoordinator = await other.key('order_coordinator')
    const otherCustomer = await call(app, otherCoordinator, 'POST', '/v1/customers', {
      number: 'C-1',
      legal_name: 'Other BV',
    })
    const theirs = await call(app, otherCoordinator, 'POST', '/v1/orders', {
      customer_id: otherCustomer.body.id,
      lines: [line()],
    })
    expect(theirs.body.number).toBe(1)
  })

  test('an amount with more decimals than the currency has is refused, naming the line', async () => {
    const before = await call(
      app,
      coordinator,
      'GET',
      `/v1/orders?customer_id=${customerId}&limit=500`,
    )
    const refused = await call(app, coordinator, 'POST', '/v1/orders', {
      customer_id: customerId,
      lines: [line(), line(), line({ unit_price: '3.499' })],
    })
    expect(refused.status).toBe(400)
    expect(refused.body.errors[0].field).toBe('lines[2].unit_price')
    expect(refused.body.detail).toContain('at most 2 decimals')
    const yen = await call(app, coordinator, 'POST', '/v1/orders', {
      customer_id: customerId,
      currency: 'JPY',
      lines: [line({ unit_price: '350.5' })],
    })
    expect(yen.body.errors[0].field).toBe('lines[0].unit_price')
    const after = await call(
      app,
      coordinator,
      'GET',
      `/v1/orders?customer_id=${customerId}&limit=500`,
    )
    expect(after.body.data).toHaveLength(before.body.data.length)
  })

  test.each`
    field                        | body
    ${'lines[0].vat_category'}   | ${{ lines: [line({ vat_category: 'X' })] }}
    ${'lines[0].quantity'}       | ${{ lines: [line({ quantity: '1.23456' })] }}
    ${'lines[0].vat_rate'}       | ${{ lines: [line({ vat_category: 'Z', vat_rate: '9' })] }}
    ${'currency'}                | ${{ currency: 'EUX' }}
    ${'requested_delivery_date'} | ${{ requested_delivery_date: '2026-02-30' }}
  `('refuses a bad $field', async ({ field, body }) => {
    const refused = await call(app, coordinator, 'POST', '/v1/orders', {
      customer_id: customerId,
      lines: [line()],
      ...body,
    })
    expect(refused.status).toBe(400)
    expect(refused.body.errors[0].field).toBe(field)
  })

  test("an unknown customer (or another tenant's) is not found", async () => {
    const refused = await call(app, coordinator, 'POST', '/v1/orders', {
      customer_id: '0190f0f0-0000-7000-8000-000000000000',
      lines: [line()],
    })
    expect(refused.status).toBe(404)
  })

  test('the same Idempotency-Key takes one order, however often it is sent', async () => {
    const headers = { 'idempotency-key': 'po-4712' }
    const body = { customer_id: customerId, customer_reference: 'PO-4712', lines: [line()] }
    const first = await call(app, coordinator, 'POST', '/v1/orders', body, headers)
    const again = await call(app, coordinator, 'POST', '/v1/orders', body, headers)
    expect(again.body.id).toBe(first.body.id)
    expect(again.headers['idempotent-replayed']).toBe('true')
    const list = await call(app, coordinator, 'GET', '/v1/orders?customer_reference=PO-4712')
    expect(list.body.data).toHaveLength(1)
  })

  test('"confirm": true confirms in one go', async () => {
    const order = await draft({ confirm: true })
    expect(order.status).toBe('confirmed')
    expect(order.confirmed_at).not.toBeNull()
    expect((await eventsOf(order.id)).map((e) => e.type)).toEqual([
      'order.created',
      'order.confirmed',
    ])
  })
})

describe('changing a draft', () => {
  test('PATCH replaces the lines and reprices; a stale If-Match is refused', async () => {
    const order = await draft()
    const url = `/v1/orders/${order.id}`
    const changed = await call(
      app,
      coordinator,
      'PATCH',
      url,
      { lines: [line({ quantity: '4' })], customer_reference: 'PO-9' },
      { 'if-match': '"1"' },
    )
    expect(changed.status).toBe(200)
    expect(changed.headers.etag).toBe('"2"')
    expect(changed.body).toMatchObject({
      customer_reference: 'PO-9',
      net_total: '14.00',
      gross_total: '15.26',
    })
    const stale = await call(
      app,
      coordinator,
      'PATCH',
      url,
      { customer_reference: 'X' },
      { 'if-match': '"1"' },
    )
    expect(stale.status).toBe(412)
    expect((await call(app, coordinator, 'PATCH', url, { customer_reference: 'X' })).status).toBe(
      428,
    )
  })

  test('a currency change needs the lines again, priced in it', async () => {
    const order = await draft()
    const refused = await call(
      app,
      coordinator,
      'PATCH',
      `/v1/orders/${order.id}`,
      { currency: 'JPY' },
      { 'if-match': '"1"' },
    )
    expect(refused.status).toBe(400)
    expect(refused.body.errors[0].field).toBe('lines')
  })

  test('a confirmed order cannot be changed', async () => {
    const order = await draft({ confirm: true })
    const refused = await call(
      app,
      coordinator,
      'PATCH',
      `/v1/orders/${order.id}`,
      { customer_reference: 'late' },
      { 'if-match': `"${order.version}"` },
    )
    expect(refused.status).toBe(409)
    expect(refused.body.type).toBe('/problems/orders.transition_not_allowed')
    expect(refused.body.detail).toContain('is confirmed; it can be changed only when draft')
  })
})

describe('the status machine', () => {
  test('a draft without lines cannot be confirmed', async () => {
    const order = await draft({ lines: [] })
    const refused = await call(app, coordinator, 'POST', `/v1/orders/${order.id}/confirm`)
    expect(refused.status).toBe(422)
    expect(refused.body.type).toBe('/problems/orders.no_lines')
  })

  test.each`
    from           | action            | body                   | key              | message
    ${'confirmed'} | ${'confirm'}      | ${undefined}           | ${'coordinator'} | ${'can be confirmed only when draft'}
    ${'cancelled'} | ${'confirm'}      | ${undefined}           | ${'coordinator'} | ${'can be confirmed only when draft'}
    ${'cancelled'} | ${'cancel'}       | ${{ reason: 'again' }} | ${'coordinator'} | ${'can be cancelled only when draft or confirmed or credit_hold'}
    ${'confirmed'} | ${'release-hold'} | ${{ reason: 'ok' }}    | ${'analyst'}     | ${'released from credit hold only when credit_hold'}
    ${'draft'}     | ${'reject-hold'}  | ${{ reason: 'no' }}    | ${'analyst'}     | ${'rejected on credit hold only when credit_hold'}
  `(
    '$action on a $from order is refused with 409',
    async ({ from, action, body, key, message }) => {
      const order = await draft({ confirm: from !== 'draft' })
      if (from === 'cancelled') {
        await call(app, coordinator, 'POST', `/v1/orders/${order.id}/cancel`, { reason: 'test' })
      }
      const as = key === 'analyst' ? await acme.key('credit_analyst') : coordinator
      const refused = await call(app, as, 'POST', `/v1/orders/${order.id}/${action}`, body)
      expect(refused.status).toBe(409)
      expect(refused.body.type).toBe('/problems/orders.transition_not_allowed')
      expect(refused.body.detail).toContain(message)
      expect(refused.body.status).toBe(409)
      const after = await call(app, coordinator, 'GET', `/v1/orders/${order.id}`)
      expect(after.body.status).toBe(from)
    },
  )

  test('a shipped order cannot be cancelled', async () => {
    const order = await draft({ confirm: true })
    await call(app, coordinator, 'POST', '/v1/shipments', {
      order_id: order.id,
      lines: [{ order_line_id: order.lines[0].id, quantity: '10' }],
    })
    const refused = await call(app, coordinator, 'POST', `/v1/orders/${order.id}/cancel`, {
      reason: 'too late',
    })
    expect(refused.status).toBe(409)
    expect(refused.body.detail).toContain('is shipped')
  })

  test('cancelling needs a reason, and keeps it', async () => {
    const order = await draft({ confirm: true })
    const url = `/v1/orders/${order.id}/cancel`
    expect((await call(app, coordinator, 'POST', url, { reason: '' })).status).toBe(400)
    expect((await call(app, coordinator, 'POST', url, { reason: '   ' })).status).toBe(400)
    const cancelled = await call(app, coordinator, 'POST', url, { reason: 'customer withdrew' })
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'customer withdrew',
    })
    const events = await eventsOf(order.id)
    expect(events.at(-1)).toMatchObject({
      type: 'order.cancelled',
      payload: { reason: 'customer withdrew', previous_status: 'confirmed' },
    })
    const trail = await call(app, await acme.key('admin'), 'GET', `/v1/audit?entity=${order.id}`)
    expect(trail.body.data.map((e: { action: string }) => e.action)).toEqual([
      'created',
      'credit_checked',
      'confirmed',
      'cancelled',
    ])
  })
})

describe('finding orders', () => {
  test('filters by status, customer, dates and gross amount', async () => {
    const big = await draft({
      customer_reference: 'FIND-BIG',
      requested_delivery_date: '2026-06-15',
      lines: [line({ quantity: '1000' })],
      confirm: true,
    })
    const q = async (query: string) =>
      (await call(app, coordinator, 'GET', `/v1/orders?${query}&limit=500`)).body.data.map(
        (o: { id: string }) => o.id,
      )
    expect(await q('status=confirmed')).toContain(big.id)
    expect(await q('status=draft,cancelled')).not.toContain(big.id)
    expect(await q(`customer_id=${customerId}&currency=EUR&gross_total_min=3000`)).toEqual([big.id])
    expect(await q('currency=EUR&gross_total_max=3000')).not.toContain(big.id)
    expect(await q('requested_delivery_from=2026-06-01&requested_delivery_to=2026-06-30')).toEqual([
      big.id,
    ])
    const today = new Date().toISOString().slice(0, 10)
    expect(await q(`created_from=2020-01-01&created_to=2099-12-31`)).toContain(big.id)
    expect(await q(`created_to=2020-01-01`)).toEqual([])
    expect(today).toMatch(/^\d{4}/)
    const noCurrency = await call(app, coordinator, 'GET', '/v1/orders?gross_total_min=10')
    expect(noCurrency.status).toBe(400)
    expect(noCurrency.body.errors[0].field).toBe('query.currency')
    const badStatus = await call(app, coordinator, 'GET', '/v1/orders?status=lost')
    expect(badStatus.body.errors[0].field).toBe('query.status')
  })

  test('pages with a cursor', async () => {
    await draft()
    await draft()
    const first = await call(app, coordinator, 'GET', '/v1/orders?limit=2')
    expect(first.body.data).toHaveLength(2)
    const second = await call(
      app,
      coordinator,
      'GET',
      `/v1/orders?limit=2&cursor=${first.body.next_cursor}`,
    )
    expect(second.body.data[0].id > first.body.data[1].id).toBe(true)
  })
})

describe('prepayment from the credit profile', () => {
  test('a new order requires prepayment when the customer is on prepayment, unless it says', async () => {
    const analyst = await acme.key('credit_analyst')
    const made = await call(app, coordinator, 'POST', '/v1/customers', {
      number: 'C-PRE',
      legal_name: 'Vooruitbetaling B.V.',
      currency: 'EUR',
    })
    const prepaid = made.body.id as string
    const url = `/v1/customers/${prepaid}/credit-profile`
    const flagged = await call(
      app,
      analyst,
      'PATCH',
      url,
      { requires_prepayment: true },
      { 'if-match': (await call(app, analyst, 'GET', url)).headers.etag as string },
    )
    expect(flagged.status, JSON.stringify(flagged.body)).toBe(200)

    expect(await draft({ customer_id: prepaid })).toMatchObject({ requires_prepayment: true })
    expect(await draft({ customer_id: prepaid, requires_prepayment: false })).toMatchObject({
      requires_prepayment: false,
    })
    expect(await draft()).toMatchObject({ requires_prepayment: false })
    expect(await draft({ requires_prepayment: true })).toMatchObject({
      requires_prepayment: true,
    })

    const header =
      'order_ref,customer_number,item,quantity,unit_price,vat_category,vat_rate,requires_prepayment'
    const imported = await call(
      app,
      coordinator,
      'POST',
      '/v1/orders/import',
      [
        header,
        'PRE-1,C-PRE,BREAD,1,3.50,S,9,',
        'PRE-2,C-PRE,BREAD,1,3.50,S,9,no',
        'PRE-3,C-100,BREAD,1,3.50,S,9,',
      ].join('\n'),
      { 'content-type': 'text/csv' },
    )
    expect(imported.status, JSON.stringify(imported.body)).toBe(200)
    const flags = await acme.run((ctx) =>
      ctx.db
        .selectFrom('salesOrder')
        .select(['sourceReference', 'requiresPrepayment'])
        .where('sourceReference', 'in', ['PRE-1', 'PRE-2', 'PRE-3'])
        .orderBy('sourceReference')
        .execute(),
    )
    expect(flags).toEqual([
      { sourceReference: 'PRE-1', requiresPrepayment: true },
      { sourceReference: 'PRE-2', requiresPrepayment: false },
      { sourceReference: 'PRE-3', requiresPrepayment: false },
    ])
  })
})
