import { beforeAll, describe, expect, test } from 'vitest'
import { call, testPlatform, testServer, testTenant } from '../../../test/support.js'
import { creditLimit, creditPolicy } from './test-helpers.js'

// Tenant A's key against tenant B's orders and shipments: never found, never listed, never
// changed. Row-level security hides B's rows, so every id of B is a 404 for A.

let ours: string
let theirs: { orderId: string; heldId: string; shipmentId: string; customerId: string }
let app: Awaited<ReturnType<typeof testServer>>

beforeAll(async () => {
  const platform = await testPlatform()
  app = await testServer(platform)
  const a = await testTenant(platform)
  const b = await testTenant(platform)
  ours = await a.key('admin')
  const bKey = await b.key('admin')
  await creditPolicy(app, b)
  const customer = await call(app, bKey, 'POST', '/v1/customers', {
    number: 'B-1',
    legal_name: 'B',
  })
  await creditLimit(app, b, customer.body.id, { limit: '100.00' })
  const line = {
    item_code: 'X',
    quantity: '2',
    unit_price: '10.00',
    vat_category: 'Z',
    vat_rate: '0',
  }
  const order = await call(app, bKey, 'POST', '/v1/orders', {
    customer_id: customer.body.id,
    lines: [line],
    confirm: true,
  })
  const held = await call(app, bKey, 'POST', '/v1/orders', {
    customer_id: customer.body.id,
    lines: [{ ...line, unit_price: '1000.00' }],
    confirm: true,
  })
  expect(held.body.status).toBe('credit_hold')
  const shipment = await call(app, bKey, 'POST', '/v1/shipments', {
    order_id: order.body.id,
    lines: [{ order_line_id: order.body.lines[0].id, quantity: '1' }],
    tracking_number: 'B-TRACK',
  })
  theirs = {
    orderId: order.body.id,
    heldId: held.body.id,
    shipmentId: shipment.body.id,
    customerId: customer.body.id,
  }
})

describe("another tenant's orders and shipments", () => {
  test.each`
    method     | path                                       | body
    ${'GET'}   | ${'/v1/orders/:order'}                     | ${undefined}
    ${'PATCH'} | ${'/v1/orders/:order'}                     | ${{ customer_reference: 'x' }}
    ${'POST'}  | ${'/v1/orders/:order/confirm'}             | ${undefined}
    ${'POST'}  | ${'/v1/orders/:order/cancel'}              | ${{ reason: 'x' }}
    ${'POST'}  | ${'/v1/orders/:held/release-hold'}         | ${{ reason: 'x' }}
    ${'POST'}  | ${'/v1/orders/:held/reject-hold'}          | ${{ reason: 'x' }}
    ${'POST'}  | ${'/v1/orders/:order/prepayment-received'} | ${{ reference: 'x', amount: '1.00', currency: 'EUR' }}
    ${'GET'}   | ${'/v1/shipments/:shipment'}               | ${undefined}
    ${'POST'}  | ${'/v1/shipments/:shipment/deliver'}       | ${{}}
  `('$method $path is 404', async ({ method, path, body }) => {
    const url = path
      .replace(':order', theirs.orderId)
      .replace(':held', theirs.heldId)
      .replace(':shipment', theirs.shipmentId)
    const response = await call(app, ours, method, url, body, { 'if-match': '"1"' })
    expect(response.status).toBe(404)
    expect(response.text).not.toContain(theirs.customerId)
  })

  test('ids of another tenant in a body are not found either', async () => {
    const order = await call(app, ours, 'GET', `/v1/orders/${theirs.orderId}`)
    expect(order.status).toBe(404)
    const shipment = await call(app, ours, 'POST', '/v1/shipments', {
      order_id: theirs.orderId,
      lines: [{ order_line_id: theirs.orderId, quantity: '1' }],
    })
    expect(shipment.status).toBe(404)
    const created = await call(app, ours, 'POST', '/v1/orders', {
      customer_id: theirs.customerId,
      lines: [],
    })
    expect(created.status).toBe(404)
  })

  test('lists and carrier events never show them', async () => {
    for (const url of [
      `/v1/orders?customer_id=${theirs.customerId}`,
      '/v1/orders/credit-holds',
      `/v1/shipments?customer_id=${theirs.customerId}`,
      '/v1/shipments?tracking_number=B-TRACK',
      `/v1/shipments/uninvoiced?customer_id=${theirs.customerId}`,
    ]) {
      const list = await call(app, ours, 'GET', url)
      expect(list.status).toBe(200)
      expect(list.body.data).toEqual([])
    }
    const events = await call(
      app,
      ours,
      'POST',
      '/v1/shipments/carrier-events',
      'tracking_number,event\nB-TRACK,delivered\n',
      { 'content-type': 'text/csv' },
    )
    expect(events.status).toBe(422)
    expect(events.body.errors[0].message).toBe('no shipment with tracking number B-TRACK')
  })
})
