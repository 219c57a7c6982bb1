import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  manualClock,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../../test/support.js'
import type { Platform } from '../../../platform.js'
import { arrangeCashappCustomer, arrangeOpenInvoice } from '../../cashapp/test-helpers.js'

// The collector's API: promises, plans, offers, pay intent, collection flags and mandates and
// direct-debit batches, as a client sees them (decimal strings, problem+json, ETags).

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let app: FastifyInstance
let tenant: TestTenant
let key: string

beforeAll(async () => {
  platform = await testPlatform(clock)
  app = await testServer(platform)
  tenant = await testTenant(platform)
  key = await tenant.key('collector')
})

async function arrange() {
  return tenant.run(async (ctx) => {
    const customer = await arrangeCashappCustomer(ctx)
    return {
      customer,
      first: await arrangeOpenInvoice(ctx, customer.id, 100_00n),
      second: await arrangeOpenInvoice(ctx, customer.id, 100_00n),
    }
  })
}

describe('promises to pay over HTTP', () => {
  test('a collector records, reads, lists and cancels a promise', async () => {
    const { customer, first, second } = await arrange()
    const made = await call(app, key, 'POST', '/v1/promises-to-pay', {
      customer_id: customer.id,
      invoice_ids: [first.id, second.id],
      amount: '150.00',
      promised_on: '2026-03-10',
      channel: 'phone',
    })
    expect(made.status).toBe(201)
    expect(made.body).toMatchObject({
      amount: '150.00',
      paid: '0.00',
      currency: 'EUR',
      status: 'active',
      items: [
        { invoice_number: first.number, amount: '121.00' },
        { invoice_number: second.number, amount: '29.00' },
      ],
    })
    const listed = await call(
      app,
      key,
      'GET',
      `/v1/promises-to-pay?customer=${customer.id}&status=active`,
    )
    expect(listed.body.data.map((p: { id: string }) => p.id)).toEqual([made.body.id])
    const cancelled = await call(app, key, 'POST', `/v1/promises-to-pay/${made.body.id}/cancel`, {
      reason: 'paid by card instead',
    })
    expect(cancelled.body.status).toBe('cancelled')
    const again = await call(app, key, 'POST', `/v1/promises-to-pay/${made.body.id}/cancel`, {})
    expect(again.status).toBe(409)
    expect(again.body.type).toBe('/problems/collections.promise_not_active')
  })

  test('a promise in the past is refused as problem+json naming the field', async () => {
    const { customer, first } = await arrange()
    const refused = await call(app, key, 'POST', '/v1/promises-to-pay', {
      customer_id: customer.id,
      invoice_ids: [first.id],
      amount: '10.00',
      promised_on: '2026-02-01',
      channel: 'pay_page',
    })
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({
      type: '/problems/collections.promise_in_past',
      field: 'promised_on',
    })
  })

  test('a read-only user cannot record a promise', async () => {
    const { customer, first } = await arrange()
    const readOnly = await tenant.key('read_only')
    const refused = await call(app, readOnly, 'POST', '/v1/promises-to-pay', {
      customer_id: customer.id,
      invoice_ids: [first.id],
      amount: '10.00',
      promised_on: '2026-03-10',
      channel: 'phone',
    })
    expect(refused.status).toBe(403)
    expect((await call(app, readOnly, 'GET', '/v1/promises-to-pay')).status).toBe(200)
  })
})

describe('payment plans over HTTP', () => {
  test('offers, a plan from an offer, and a plan whose instalments do not add up', async () => {
    const { customer, first } = await arrange()
    const offers = await call(
      app,
      key,
      'GET',
      `/v1/customers/${customer.id}/plan-offers?invoice_ids=${first.id}`,
    )
    expect(offers.status).toBe(200)
    expect(offers.body.data.map((o: { instalment_count: number }) => o.instalment_count)).toEqual([
      2, 3, 4,
    ])
    expect(offers.body.data[1].instalments.map((i: { amount: string }) => i.amount)).toEqual([
      '40.34',
      '40.33',
      '40.33',
    ])

    const mismatch = await call(app, key, 'POST', '/v1/payment-plans', {
      customer_id: customer.id,
      invoice_ids: [first.id],
      instalments: [
        { due_on: '2026-03-15', amount: '60.00' },
        { due_on: '2026-04-15', amount: '60.00' },
      ],
      source: 'pay_page',
    })
    expect(mismatch.status).toBe(422)
    expect(mismatch.body).toMatchObject({
      type: '/problems/collections.plan_instalments_mismatch',
      instalments_total: '120.00',
      open_amount: '121.00',
    })
    expect(mismatch.body.detail).toContain('120.00')

    const created = await call(app, key, 'POST', '/v1/payment-plans', {
      customer_id: customer.id,
      invoice_ids: [first.id],
      instalments: offers.body.data[1].instalments,
      source: 'pay_page',
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ total: '121.00', paid: '0.00', open: '121.00' })
    expect(created.body.instalments[0]).toMatchObject({
      amount: '40.34',
      paid: '0.00',
      open: '40.34',
    })
    const shown = await call(app, key, 'GET', `/v1/payment-plans/${created.body.id}`)
    expect(shown.body.id).toBe(created.body.id)
    const cancelled = await call(
      app,
      key,
      'POST',
      `/v1/payment-plans/${created.body.id}/cancel`,
      {},
    )
    expect(cancelled.body).toMatchObject({ status: 'cancelled' })
  })
})

describe("the customer's collection flags and pay intent", () => {
  test('do-not-dun needs If-Match (0 before the first write) and a reason', async () => {
    const { customer } = await arrange()
    const url = `/v1/customers/${customer.id}/collection`
    const before = await call(app, key, 'GET', url)
    expect(before.body).toMatchObject({ do_not_dun: false, flags: [], version: 0 })
    expect(before.headers.etag).toBe('"0"')
    const body = { do_not_dun: true, do_not_dun_reason: 'bankruptcy filed', flags: ['key_account'] }
    expect((await call(app, key, 'PUT', url, body)).status).toBe(428)
    const noReason = await call(app, key, 'PUT', url, { do_not_dun: true }, { 'if-match': '"0"' })
    expect(noReason.status).toBe(400)
    const saved = await call(app, key, 'PUT', url, body, { 'if-match': '"0"' })
    expect(saved.status).toBe(200)
    expect(saved.body).toMatchObject({ do_not_dun: true, flags: ['key_account'], version: 1 })
    const stale = await call(app, key, 'PUT', url, body, { 'if-match': '"0"' })
    expect(stale.status).toBe(412)
  })

  test("can't pay / won't pay is recorded and reported with open amounts and plans", async () => {
    const { customer } = await arrange()
    const other = await arrange()
    const set = await call(app, key, 'PUT', `/v1/customers/${customer.id}/pay-intent`, {
      pay_intent: 'cant_pay',
      note: 'lost job; offered a plan',
    })
    expect(set.body).toMatchObject({
      pay_intent: 'cant_pay',
      pay_intent_note: 'lost job; offered a plan',
    })
    await call(app, key, 'PUT', `/v1/customers/${other.customer.id}/pay-intent`, {
      pay_intent: 'wont_pay',
    })
    const report = await call(app, key, 'GET', '/v1/reports/pay-intent')
    expect(report.status).toBe(200)
    const byIntent = Object.fromEntries(
      report.body.classifications.map((c: { pay_intent: string }) => [c.pay_intent, c]),
    )
    expect(byIntent.cant_pay).toMatchObject({
      customers: 1,
      open: [{ currency: 'EUR', amount: '242.00' }],
    })
    expect(byIntent.wont_pay).toMatchObject({ customers: 1 })
    expect(report.body.plans.map((p: { status: string }) => p.status)).toEqual([
      'active',
      'completed',
      'breached',
      'cancelled',
    ])
    const cleared = await call(app, key, 'PUT', `/v1/customers/${customer.id}/pay-intent`, {
      pay_intent: null,
    })
    expect(cleared.body).toMatchObject({ pay_intent: null, pay_intent_at: null })
  })
})

describe('mandates and direct-debit batches over HTTP', () => {
  test('a mandate, a batch and its pain.008 as application/xml', async () => {
    const { customer } = await arrange()
    const mandate = await call(app, key, 'POST', '/v1/sepa-mandates', {
      customer_id: customer.id,
      mandate_reference: 'API-MANDATE-1',
      iban: 'NL91ABNA0417164300',
      debtor_name: 'Het Hoekje',
      signed_on: '2026-02-01',
    })
    expect(mandate.status).toBe(201)
    expect(mandate.body).toMatchObject({ scheme: 'CORE', status: 'active' })
    const badIban = await call(app, key, 'POST', '/v1/sepa-mandates', {
      customer_id: customer.id,
      mandate_reference: 'API-MANDATE-2',
      iban: 'NL00ABNA0417164300',
      debtor_name: 'Het Hoekje',
      signed_on: '2026-02-01',
    })
    expect(badIban.status).toBe(400)
    expect(badIban.body.errors[0].field).toBe('iban')

    clock.set('2026-04-01T09:00:00Z')
    const batch = await call(app, key, 'POST', '/v1/direct-debit-batches', {
      collection_date: '2026-04-03',
      creditor_id: 'NL69ZZZ123456780000',
    })
    expect(batch.status).toBe(201)
    const mine = batch.body.items.filter(
      (i: { mandate_id: string }) => i.mandate_id === mandate.body.id,
    )
    expect(mine).toHaveLength(2)
    const file = await call(app, key, 'GET', `/v1/direct-debit-batches/${batch.body.id}/pain008`)
    expect(file.status).toBe(200)
    expect(file.headers['content-type']).toContain('application/xml')
    expect(file.text).toContain('<MndtId>API-MANDATE-1</MndtId>')
    expect(file.text).toContain(`<MsgId>${batch.body.message_id}</MsgId>`)
    const revoked = await call(app, key, 'POST', `/v1/sepa-mandates/${mandate.body.id}/revoke`)
    expect(revoked.body.status).toBe('revoked')
  })
})
