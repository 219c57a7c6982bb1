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
import {
  listBillingRuns,
  periodEndForScheduledRun,
  planConsolidatedBilling,
  runConsolidatedBilling,
} from './billing-run.js'
import {
  type Arranger,
  billedCustomer,
  confirmedOrder,
  orderLine,
  ship,
} from './billing-test-helpers.js'
import { putExchangeRate } from './exchange-rates.js'
import { getInvoice, type Invoice } from './queries.js'
import { arrangeBillingSettings, dec } from './test-helpers.js'

// The consolidated billing run: one invoice per customer and currency for weekly and monthly
// customers, a run row with its counts and totals, idempotent for a period, resumable after a
// crash, and on the tenant's schedule.

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
  await acme.run((ctx) =>
    putExchangeRate(ctx, { currency: 'USD', validFrom: '2026-01-01', rate: dec('0.92') }),
  )
  await creditPolicy(app, acme)
})

const invoicesOf = async (customerId: string): Promise<Invoice[]> => {
  const rows = await acme.run((ctx) =>
    ctx.db
      .selectFrom('invoice')
      .select('id')
      .where('customerId', '=', customerId)
      .orderBy('number')
      .execute(),
  )
  return Promise.all(rows.map((r) => acme.run((ctx) => getInvoice(ctx, r.id))))
}

describe('the consolidated billing run', () => {
  test('one invoice per customer and currency for the month, naming each order; twice bills nothing twice', async () => {
    const monthly = await billedCustomer(a, 'monthly')
    const weekly = await billedCustomer(a, 'weekly')
    const first = await confirmedOrder(a, monthly, [orderLine('A', '2')], {
      customer_reference: 'PO-1',
    })
    const second = await confirmedOrder(a, monthly, [orderLine('B', '3', '5.00')])
    const dollars = await confirmedOrder(a, monthly, [orderLine('C', '1', '100.00')], {
      currency: 'USD',
    })
    // The credit limit is in euros: the analyst lets the dollar order through by hand.
    const released = await call(
      app,
      await acme.key('credit_analyst'),
      'POST',
      `/v1/orders/${dollars.id}/release-hold`,
      { reason: 'known customer' },
    )
    expect(released.status, JSON.stringify(released.body)).toBe(200)
    const weeklyOrder = await confirmedOrder(a, weekly, [orderLine('A', '1')])
    await ship(a, first, [[0, '2']], '2026-03-03T10:00:00+01:00')
    await ship(a, second, [[0, '3']], '2026-03-20T10:00:00+01:00')
    await ship(a, dollars, [[0, '1']], '2026-03-21T10:00:00+01:00')
    await ship(a, weeklyOrder, [[0, '1']], '2026-03-21T10:00:00+01:00')
    // Shipped after the period: left for April.
    const late = await confirmedOrder(a, monthly, [orderLine('D', '1')])
    await ship(a, late, [[0, '1']], '2026-04-01T00:30:00+02:00')

    const plan = await planConsolidatedBilling(acme.run, {
      periodEnd: '2026-03-31',
      frequency: 'monthly',
    })
    const mine = plan.invoices.filter((i) => i.customerId === monthly)
    expect(mine.map((i) => [i.currency, i.orderNumbers.length, i.totalMinor])).toEqual([
      ['EUR', 2, 2299n], // (4.00 + 15.00) + 21% VAT
      ['USD', 1, 12100n],
    ])
    expect(await invoicesOf(monthly)).toEqual([])

    clock.set('2026-04-01T06:00:00Z')
    const run = await runConsolidatedBilling(acme.run, {
      periodEnd: '2026-03-31',
      frequency: 'monthly',
    })
    expect(run).toMatchObject({ status: 'completed', periodEnd: '2026-03-31', failedCount: 0 })
    expect(run.invoicesCount).toBeGreaterThanOrEqual(2)
    const invoices = await invoicesOf(monthly)
    expect(invoices.map((i) => [i.origin, i.currency, i.lines.length])).toEqual([
      ['consolidated', 'EUR', 2],
      ['consolidated', 'USD', 1],
    ])
    const [eur, usd] = invoices
    expect(eur.period).toEqual({ start: '2026-03-01', end: '2026-03-31' })
    expect(eur.orderReference).toBeNull()
    expect(new Set(eur.lines.map((l) => l.orderId))).toEqual(new Set([first.id, second.id]))
    expect(usd.orderReference).toBe(String(dollars.number))
    expect(usd.accountingCurrency?.currency).toBe('EUR')
    const totals = Object.fromEntries(run.totals.map((t) => [t.currency, t]))
    expect(totals.USD).toMatchObject({ invoicesCount: 1, totalMinor: 12100n })
    // The weekly customer is not in a monthly run.
    expect(await invoicesOf(weekly)).toEqual([])

    const again = await runConsolidatedBilling(acme.run, {
      periodEnd: '2026-03-31',
      frequency: 'monthly',
    })
    expect(again.invoicesCount).toBe(0)
    expect(await invoicesOf(monthly)).toHaveLength(2)
  })

  test('a run that stopped halfway is resumed by running it again; nothing is billed twice', async () => {
    const customers = await Promise.all([1, 2, 3, 4].map(() => billedCustomer(a, 'weekly')))
    for (const customerId of customers) {
      const order = await confirmedOrder(a, customerId, [orderLine('A', '1')])
      await ship(a, order, [[0, '1']], '2026-04-07T10:00:00+02:00')
    }
    clock.set('2026-04-13T05:00:00Z')
    const crash = new Error('the machine went down')
    await expect(
      runConsolidatedBilling(acme.run, {
        periodEnd: '2026-04-12',
        frequency: 'weekly',
        onProgress: (done) => {
          if (done === 2) throw crash
        },
      }),
    ).rejects.toThrow(crash)
    const [stopped] = (await acme.run((ctx) => listBillingRuns(ctx, { status: 'failed' }))).data
    expect(stopped.invoicesCount).toBe(2)

    const resumed = await runConsolidatedBilling(acme.run, {
      periodEnd: '2026-04-12',
      frequency: 'weekly',
    })
    expect(resumed.id).toBe(stopped.id)
    expect(resumed.status).toBe('completed')
    // These four, and the weekly customer of the test before (shipped in March, never billed).
    expect(resumed.invoicesCount).toBe(customers.length + 1)
    for (const customerId of customers) {
      const invoices = await invoicesOf(customerId)
      expect(invoices).toHaveLength(1)
      expect(invoices[0].period).toEqual({ start: '2026-04-06', end: '2026-04-12' })
    }
  })

  test.each`
    frequency    | runDate         | periodEnd
    ${'monthly'} | ${'2026-04-01'} | ${'2026-03-31'}
    ${'monthly'} | ${'2026-11-02'} | ${'2026-10-31'}
    ${'weekly'}  | ${'2026-04-13'} | ${'2026-04-12'}
    ${'weekly'}  | ${'2026-04-15'} | ${'2026-04-12'}
  `('a $frequency run on $runDate bills up to $periodEnd', ({ frequency, runDate, periodEnd }) => {
    expect(periodEndForScheduledRun(frequency, runDate)).toBe(periodEnd)
  })

  test('runs on the schedule: monthly on the first business day, as the tenant set it', async () => {
    const customerId = await billedCustomer(a, 'monthly')
    const order = await confirmedOrder(a, customerId, [orderLine('A', '1')])
    await ship(a, order, [[0, '1']], '2026-04-20T10:00:00+02:00')
    const key = await acme.key('billing_specialist')
    const schedules = await call(app, key, 'GET', '/v1/schedules')
    const monthly = schedules.body.data.find(
      (s: { name: string }) => s.name === 'billing.consolidated.monthly',
    )
    expect(monthly).toMatchObject({
      cadence: 'monthly',
      day_of_month: 1,
      business_day: true,
      time_of_day: '06:00',
      // Friday 1 May 2026 at 06:00 in Amsterdam (the clock is at 13 April).
      next_run_at: '2026-05-01T04:00:00.000Z',
    })
    expect(schedules.body.data.map((s: { name: string }) => s.name)).toContain(
      'billing.consolidated.weekly',
    )

    const worker = startWorker(platform, jobHandlers(), { background: false })
    clock.set('2026-05-01T04:00:01Z')
    await worker.drain()
    await worker.stop()
    const invoices = await invoicesOf(customerId)
    expect(invoices).toHaveLength(1)
    expect(invoices[0].period).toEqual({ start: '2026-04-01', end: '2026-04-30' })
    const runs = await acme.run((ctx) => listBillingRuns(ctx))
    expect(runs.data.find((run) => run.frequency === 'monthly')).toMatchObject({
      trigger: 'schedule',
      frequency: 'monthly',
      periodEnd: '2026-04-30',
    })
  })

  test('POST /v1/billing-runs: dry run shows, a run bills; GET lists and shows the run', async () => {
    const customerId = await billedCustomer(a, 'weekly')
    const order = await confirmedOrder(a, customerId, [orderLine('A', '3')])
    await ship(a, order, [[0, '3']], '2026-05-05T10:00:00+02:00')
    clock.set('2026-05-11T07:00:00Z')
    const key = await acme.key('billing_specialist')
    const dry = await call(app, key, 'POST', '/v1/billing-runs', {
      period_end: '2026-05-10',
      frequency: 'weekly',
      dry_run: true,
    })
    expect(dry.status, JSON.stringify(dry.body)).toBe(200)
    expect(dry.body).toMatchObject({ dry_run: true, invoices_count: 1 })
    expect(dry.body.invoices[0]).toMatchObject({ customer_id: customerId, total: '7.26' })
    expect(await invoicesOf(customerId)).toEqual([])

    const bad = await call(app, key, 'POST', '/v1/billing-runs', { period_end: '2026-02-30' })
    expect(bad.status).toBe(400)

    const ran = await call(app, key, 'POST', '/v1/billing-runs', {
      period_end: '2026-05-10',
      frequency: 'weekly',
    })
    expect(ran.status, JSON.stringify(ran.body)).toBe(201)
    expect(ran.body).toMatchObject({
      status: 'completed',
      trigger: 'api',
      invoices_count: 1,
      orders_count: 1,
      totals: [{ currency: 'EUR', invoices_count: 1, total: '7.26' }],
    })
    const shown = await call(app, key, 'GET', `/v1/billing-runs/${ran.body.id}`)
    expect(shown.body).toEqual(ran.body)
    const listed = await call(app, key, 'GET', '/v1/billing-runs?limit=2')
    expect(listed.body.data[0].id).toBe(ran.body.id)
    const reader = await call(app, await acme.key('collector'), 'POST', '/v1/billing-runs', {
      period_end: '2026-05-10',
    })
    expect(reader.status).toBe(403)
  })
})
