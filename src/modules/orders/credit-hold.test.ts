import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import { addDays } from '../../core/dates.js'
import { asSystem } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { creditLimit, creditPolicy } from './test-helpers.js'

// Confirmation runs the credit module's check: each reason the contract names puts the order
// on credit hold, readable on the order and on the analyst's list; the analyst releases or
// rejects it, and an order coordinator may do neither.

const clock = manualClock('2026-03-10T09:00:00Z')
const today = '2026-03-10'
let platform: Platform
let app: FastifyInstance
let acme: TestTenant
let coordinator: string
let analyst: string

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  acme = await testTenant(platform)
  coordinator = await acme.key('order_coordinator')
  analyst = await acme.key('credit_analyst')
  await creditPolicy(app, acme, { overdueDaysMax: 30 })
  // Open receivables arrive with invoicing; until then the view is replaced here (as the
  // store's owner) by one over a test table, the way invoicing will replace it.
  await asSystem(platform.store, async (db) => {
    await sql`create table orders_test_receivable (
      tenant_id uuid not null, customer_id uuid not null, currency char(3) not null,
      open_minor bigint not null, due_date date not null)`.execute(db)
    await sql`create or replace view customer_receivable_position as
      select tenant_id, customer_id, currency, sum(open_minor)::bigint as open_minor,
        min(due_date) as oldest_due_date
      from orders_test_receivable
      where tenant_id = o2c_current_tenant()
      group by tenant_id, customer_id, currency`.execute(db)
  })
})

let customerCounter = 0

async function customer(fields: Record<string, unknown> = {}) {
  const made = await call(app, coordinator, 'POST', '/v1/customers', {
    number: `K-${++customerCounter}`,
    legal_name: `Customer ${customerCounter}`,
    ...fields,
  })
  expect(made.status, JSON.stringify(made.body)).toBe(201)
  return made.body.id as string
}

async function creditStatus(customerId: string, status: 'hold' | 'blocked') {
  const url = `/v1/customers/${customerId}/credit-profile`
  const current = await call(app, analyst, 'GET', url)
  const changed = await call(
    app,
    analyst,
    'PATCH',
    url,
    { credit_status: status },
    {
      'if-match': current.headers.etag as string,
    },
  )
  expect(changed.status, JSON.stringify(changed.body)).toBe(200)
}

/** An order of `gross` EUR (net at 0% VAT, so the gross is exactly the price), confirmed. */
async function confirmOrder(
  customerId: string,
  gross: string,
  extra: Record<string, unknown> = {},
) {
  const order = await call(app, coordinator, 'POST', '/v1/orders', {
    customer_id: customerId,
    lines: [
      { item_code: 'ITEM', quantity: '1', unit_price: gross, vat_category: 'Z', vat_rate: '0' },
    ],
    confirm: true,
    ...extra,
  })
  expect(order.status, JSON.stringify(order.body)).toBe(201)
  return order.body
}

describe('credit check at confirmation', () => {
  test.each`
    reason               | arrange
    ${'credit_limit_exceeded'} | ${async () => {
  const id = await customer()
  await creditLimit(app, acme, id, { limit: '100.00' })
  await confirmOrder(id, '60.00')
  return { id, gross: '40.01' }
}}
    ${'group_credit_limit_exceeded'} | ${async () => {
  const parent = await customer()
  const sister = await customer({ parent_id: parent })
  const id = await customer({ parent_id: parent })
  await creditLimit(app, acme, parent, { groupLimit: '100.00' })
  await creditLimit(app, acme, sister, { limit: '1000.00' })
  await creditLimit(app, acme, id, { limit: '1000.00' })
  await confirmOrder(sister, '80.00')
  return { id, gross: '20.01' }
}}
    ${'customer_on_hold'} | ${async () => {
  const id = await customer()
  await creditLimit(app, acme, id, { limit: '1000.00' })
  await creditStatus(id, 'hold')
  return { id, gross: '1.00' }
}}
    ${'customer_blocked'} | ${async () => {
  const id = await customer()
  await creditLimit(app, acme, id, { limit: '1000.00' })
  await creditStatus(id, 'blocked')
  return { id, gross: '1.00' }
}}
    ${'overdue_items'} | ${async () => {
  const id = await customer()
  await creditLimit(app, acme, id, { limit: '1000.00' })
  await asSystem(platform.store, (db) => sql`insert into orders_test_receivable values (${acme.tenantId}, ${id}, 'EUR', 5000,
          ${addDays(today, -31)})`.execute(db))
  return { id, gross: '1.00' }
}}
    ${'no_credit_limit'} | ${async () => ({ id: await customer(), gross: '1.00' })}
    ${'currency_differs'} | ${async () => {
  const id = await customer()
  await creditLimit(app, acme, id, { limit: '1000.00' })
  return { id, gross: '1.00', currency: 'USD' }
}}
  `(
    '$reason puts the order on credit hold, with the reason readable',
    async ({ reason, arrange }) => {
      const { id, gross, currency } = await arrange()
      const order = await confirmOrder(id, gross, currency ? { currency } : {})
      expect(order.status).toBe('credit_hold')
      expect(order.confirmed_at).toBeNull()
      expect(order.credit_hold.reasons.map((r: { code: string }) => r.code)).toEqual([reason])
      expect(order.credit_hold.reasons[0].detail.length).toBeGreaterThan(10)
      expect(order.credit_hold.decision).toBeNull()

      const read = await call(app, coordinator, 'GET', `/v1/orders/${order.id}`)
      expect(read.body).toEqual(order)
      const list = await call(app, analyst, 'GET', `/v1/orders/credit-holds?reason=${reason}`)
      const listed = list.body.data.find((o: { id: string }) => o.id === order.id)
      expect(listed.reasons).toEqual(order.credit_hold.reasons)
      const event = await acme.run((ctx) =>
        ctx.db
          .selectFrom('outboxEvent')
          .select('payload')
          .where('entityId', '=', order.id)
          .where('type', '=', 'order.credit_hold')
          .executeTakeFirstOrThrow(),
      )
      expect(event.payload).toMatchObject({ reasons: order.credit_hold.reasons, customer_id: id })
    },
  )

  test('the exposure counts the confirmed, not yet invoiced orders of the customer', async () => {
    const id = await customer()
    await creditLimit(app, acme, id, { limit: '100.00' })
    expect((await confirmOrder(id, '50.00')).status).toBe('confirmed')
    expect((await confirmOrder(id, '50.00')).status).toBe('confirmed')
    const third = await confirmOrder(id, '0.01')
    expect(third.credit_hold.reasons[0].detail).toBe('Exposure 100.01 EUR exceeds limit 100.00 EUR')
    expect(third.credit_hold.credit_check).toMatchObject({ limit: '100.00', exposure: '100.01' })
  })

  test('drafts, held and cancelled orders do not count as exposure', async () => {
    const id = await customer()
    await creditLimit(app, acme, id, { limit: '100.00' })
    await call(app, coordinator, 'POST', '/v1/orders', {
      customer_id: id,
      lines: [
        { item_code: 'X', quantity: '1', unit_price: '90.00', vat_category: 'Z', vat_rate: '0' },
      ],
    })
    expect((await confirmOrder(id, '150.00')).status).toBe('credit_hold')
    const cancelled = await confirmOrder(id, '60.00')
    await call(app, coordinator, 'POST', `/v1/orders/${cancelled.id}/cancel`, { reason: 'test' })
    expect((await confirmOrder(id, '100.00')).status).toBe('confirmed')
  })

  test('orders of one group confirmed at the same moment cannot both fit under one limit', async () => {
    const parent = await customer()
    const daughter = await customer({ parent_id: parent })
    await creditLimit(app, acme, parent, { limit: '1000.00', groupLimit: '100.00' })
    await creditLimit(app, acme, daughter, { limit: '1000.00' })
    const drafts = await Promise.all(
      [parent, daughter].map(
        async (id) =>
          (
            await call(app, coordinator, 'POST', '/v1/orders', {
              customer_id: id,
              lines: [
                {
                  item_code: 'X',
                  quantity: '1',
                  unit_price: '60.00',
                  vat_category: 'Z',
                  vat_rate: '0',
                },
              ],
            })
          ).body,
      ),
    )
    // Confirmation of drafts and create-and-confirm in one go, all at once.
    const results = await Promise.all([
      ...drafts.map((d) => call(app, coordinator, 'POST', `/v1/orders/${d.id}/confirm`)),
      ...[parent, daughter].map((id) =>
        call(app, coordinator, 'POST', '/v1/orders', {
          customer_id: id,
          lines: [
            {
              item_code: 'X',
              quantity: '1',
              unit_price: '60.00',
              vat_category: 'Z',
              vat_rate: '0',
            },
          ],
          confirm: true,
        }),
      ),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201, 201])
    const statuses = results.map((r) => r.body.status).sort()
    expect(statuses).toEqual(['confirmed', 'credit_hold', 'credit_hold', 'credit_hold'])
  })

  test('a prepayment order skips the exposure test, but not a block', async () => {
    const free = await customer()
    const prepaid = await confirmOrder(free, '5000.00', { requires_prepayment: true })
    expect(prepaid.status).toBe('confirmed')
    const blocked = await customer()
    await creditStatus(blocked, 'blocked')
    const held = await confirmOrder(blocked, '1.00', { requires_prepayment: true })
    expect(held.credit_hold.reasons.map((r: { code: string }) => r.code)).toEqual([
      'customer_blocked',
    ])
  })
})

describe("the credit analyst's decision", () => {
  async function heldOrder() {
    const id = await customer()
    const order = await confirmOrder(id, '10.00')
    expect(order.status).toBe('credit_hold')
    return order
  }

  test('a release confirms the order, says who and why, and tells', async () => {
    const order = await heldOrder()
    const released = await call(app, analyst, 'POST', `/v1/orders/${order.id}/release-hold`, {
      reason: 'Customer paid the overdue invoice by phone transfer',
    })
    expect(released.status).toBe(200)
    expect(released.body).toMatchObject({
      status: 'confirmed',
      credit_hold: {
        decision: {
          outcome: 'released',
          reason: 'Customer paid the overdue invoice by phone transfer',
          decided_by: `credit_analyst@${acme.slug}.test`,
        },
      },
    })
    expect(released.body.confirmed_at).not.toBeNull()
    const events = await acme.run((ctx) =>
      ctx.db
        .selectFrom('outboxEvent')
        .select('type')
        .where('entityId', '=', order.id)
        .orderBy('id')
        .execute(),
    )
    expect(events.map((e) => e.type)).toEqual([
      'order.created',
      'order.credit_hold',
      'order.confirmed',
      'order.hold_released',
    ])
    const trail = await call(
      app,
      analyst,
      'GET',
      `/v1/audit?entity=${order.id}&action=hold_released`,
    )
    expect(trail.body.data[0].actor).toMatchObject({
      type: 'user',
      name: `credit_analyst@${acme.slug}.test`,
    })
    expect(JSON.stringify(trail.body.data[0].after)).toContain('phone transfer')
    const list = await call(app, analyst, 'GET', '/v1/orders/credit-holds?limit=500')
    expect(list.body.data.map((o: { id: string }) => o.id)).not.toContain(order.id)
  })

  test('a rejection cancels the order with the reason', async () => {
    const order = await heldOrder()
    const rejected = await call(app, analyst, 'POST', `/v1/orders/${order.id}/reject-hold`, {
      reason: 'Group is in administration',
    })
    expect(rejected.body).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'Group is in administration',
      credit_hold: { decision: { outcome: 'rejected', reason: 'Group is in administration' } },
    })
    const again = await call(app, analyst, 'POST', `/v1/orders/${order.id}/release-hold`, {
      reason: 'changed my mind',
    })
    expect(again.status).toBe(409)
  })

  test.each(['release-hold', 'reject-hold'])(
    'an order coordinator may not %s (403), and the hold stays',
    async (action) => {
      const order = await heldOrder()
      const refused = await call(app, coordinator, 'POST', `/v1/orders/${order.id}/${action}`, {
        reason: 'please',
      })
      expect(refused.status).toBe(403)
      expect(refused.body.permission).toBe('credit.decide')
      expect((await call(app, coordinator, 'GET', `/v1/orders/${order.id}`)).body.status).toBe(
        'credit_hold',
      )
    },
  )

  test('a decision needs a reason', async () => {
    const order = await heldOrder()
    const refused = await call(app, analyst, 'POST', `/v1/orders/${order.id}/release-hold`, {
      reason: ' ',
    })
    expect(refused.status).toBe(400)
    expect(refused.body.errors[0].field).toBe('reason')
  })

  test('a held order can be cancelled by the coordinator, and cannot ship', async () => {
    const order = await heldOrder()
    const ship = await call(app, coordinator, 'POST', '/v1/shipments', {
      order_id: order.id,
      lines: [{ order_line_id: order.lines[0].id, quantity: '1' }],
    })
    expect(ship.status).toBe(409)
    expect(ship.body.detail).toContain('is credit_hold')
    const cancelled = await call(app, coordinator, 'POST', `/v1/orders/${order.id}/cancel`, {
      reason: 'customer withdrew',
    })
    expect(cancelled.body.status).toBe('cancelled')
  })
})
