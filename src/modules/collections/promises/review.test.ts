import { beforeAll, describe, expect, test } from 'vitest'
import { manualClock, type TestTenant, testPlatform, testTenant } from '../../../../test/support.js'
import type { Platform } from '../../../platform.js'
import type { BankEntry } from '../../cashapp/bank-files/model.js'
import { importAndApplyStatements } from '../../cashapp/import-and-apply.js'
import {
  arrangeCashappCustomer,
  arrangeOpenInvoice,
  bankEntry,
  eventStream,
  statementEvents,
} from '../../cashapp/test-helpers.js'
import { createPaymentPlan, getPaymentPlan } from '../plans/plans.js'
import { getPromise, makePromise } from './promises.js'
import { reviewPromisesAndPlans } from './review.js'

// A customer's month with promises and plans: cash application sees the payment and a kept
// promise closes itself; a promise not kept by its date plus grace breaks and marks the
// customer; cash fills a plan's instalments oldest first, a short instalment beyond grace
// breaches the plan, a paid one completes it.

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform(clock)
  tenant = await testTenant(platform)
})

let statementCounter = 0

/** A bank statement with these credits, imported and applied as `o2c bank import` does. */
async function bankPays(entries: BankEntry[]) {
  return tenant.run((ctx) =>
    importAndApplyStatements(
      ctx,
      eventStream(statementEvents({ id: `ST-${++statementCounter}`, entries })),
      { fileName: `statement-${statementCounter}.xml` },
    ),
  )
}

function payment(reference: string, amount: string): BankEntry {
  return bankEntry({
    amount,
    remittance: { unstructured: null, structuredReference: reference },
  })
}

async function arrangeInvoice() {
  return tenant.run(async (ctx) => {
    const customer = await arrangeCashappCustomer(ctx)
    return { customer, invoice: await arrangeOpenInvoice(ctx, customer.id, 100_00n) }
  })
}

async function noticesOf(customerId: string): Promise<(string | null)[]> {
  const rows = await tenant.run((ctx) =>
    ctx.db
      .selectFrom('collectionActivity')
      .select('outcome')
      .where('customerId', '=', customerId)
      .orderBy('occurredAt')
      .execute(),
  )
  return rows.map((r) => r.outcome)
}

describe('promises', () => {
  test('a promise closes itself as kept when cash application applies the payment', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const { customer, invoice } = await arrangeInvoice()
    const { id } = await tenant.run((ctx) =>
      makePromise(ctx, {
        customerId: customer.id,
        invoiceIds: [invoice.id],
        amountMinor: 121_00n,
        promisedOn: '2026-03-05',
        channel: 'phone',
      }),
    )
    clock.set('2026-03-03T10:00:00Z')
    const summary = await bankPays([payment(invoice.paymentReference, '121.00')])
    expect(summary.matching.applied).toBe(1)
    const promise = await tenant.run((ctx) => getPromise(ctx, id))
    expect(promise).toMatchObject({ status: 'kept', paidMinor: 121_00n })
    expect(promise.closedAt).toEqual(new Date('2026-03-03T10:00:00Z'))
  })

  test('a partly paid promise stays active within grace, then breaks and marks the customer', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const { customer, invoice } = await arrangeInvoice()
    const { id } = await tenant.run((ctx) =>
      makePromise(ctx, {
        customerId: customer.id,
        invoiceIds: [invoice.id],
        amountMinor: 121_00n,
        promisedOn: '2026-03-05',
        channel: 'phone',
      }),
    )
    clock.set('2026-03-04T10:00:00Z')
    await bankPays([payment(invoice.paymentReference, '100.00')])
    expect((await tenant.run((ctx) => getPromise(ctx, id))).status).toBe('active')

    // Grace is 2 days: on the 7th it still holds, on the 8th it is broken.
    clock.set('2026-03-07T06:00:00Z')
    const within = await tenant.run((ctx) => reviewPromisesAndPlans(ctx, '2026-03-07'))
    expect(within.promisesBroken).toBe(0)
    clock.set('2026-03-08T06:00:00Z')
    const after = await tenant.run((ctx) => reviewPromisesAndPlans(ctx, '2026-03-08'))
    expect(after.promisesBroken).toBeGreaterThanOrEqual(1)
    expect(await tenant.run((ctx) => getPromise(ctx, id))).toMatchObject({
      status: 'broken',
      paidMinor: 100_00n,
    })
    const mark = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('customerCollection')
        .select(['brokenPromises', 'lastBrokenPromiseOn'])
        .where('customerId', '=', customer.id)
        .executeTakeFirstOrThrow(),
    )
    expect(mark).toEqual({ brokenPromises: 1, lastBrokenPromiseOn: '2026-03-08' })
    expect(await noticesOf(customer.id)).toEqual(['promise_confirmed', 'promise_broken'])
    // Broken once is broken: a second review changes nothing.
    const again = await tenant.run((ctx) => reviewPromisesAndPlans(ctx, '2026-03-08'))
    expect(again).toEqual({
      promisesKept: 0,
      promisesBroken: 0,
      plansCompleted: 0,
      plansBreached: 0,
    })
  })
})

describe('payment plans', () => {
  test('cash fills instalments oldest first; a short instalment beyond grace breaches the plan', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const { customer, invoice } = await arrangeInvoice()
    const { id } = await tenant.run((ctx) =>
      createPaymentPlan(ctx, {
        customerId: customer.id,
        invoiceIds: [invoice.id],
        instalments: [
          { dueOn: '2026-03-15', amountMinor: 60_50n },
          { dueOn: '2026-04-15', amountMinor: 60_50n },
        ],
        source: 'collector',
        graceDays: 5,
      }),
    )
    clock.set('2026-03-14T10:00:00Z')
    await bankPays([payment(invoice.paymentReference, '70.00')])
    const filled = await tenant.run((ctx) => getPaymentPlan(ctx, id))
    expect(filled.instalments.map((i) => [i.paidMinor, i.openMinor])).toEqual([
      [60_50n, 0n],
      [9_50n, 51_00n],
    ])
    expect(filled.paidMinor).toBe(70_00n)

    // Due 15 April, 5 days' grace: held on the 20th, breached on the 21st.
    clock.set('2026-04-20T06:00:00Z')
    expect(
      (await tenant.run((ctx) => reviewPromisesAndPlans(ctx, '2026-04-20'))).plansBreached,
    ).toBe(0)
    clock.set('2026-04-21T06:00:00Z')
    await tenant.run((ctx) => reviewPromisesAndPlans(ctx, '2026-04-21'))
    const breached = await tenant.run((ctx) => getPaymentPlan(ctx, id))
    expect(breached.status).toBe('breached')
    expect(breached.closedReason).toContain('2026-04-15')
    expect(await noticesOf(customer.id)).toEqual(['plan_confirmed', 'plan_breached'])
  })

  test('a plan paid in full completes when cash application applies the last instalment', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const { customer, invoice } = await arrangeInvoice()
    const { id } = await tenant.run((ctx) =>
      createPaymentPlan(ctx, {
        customerId: customer.id,
        invoiceIds: [invoice.id],
        instalments: [
          { dueOn: '2026-03-15', amountMinor: 60_50n },
          { dueOn: '2026-04-15', amountMinor: 60_50n },
        ],
        source: 'collector',
      }),
    )
    clock.set('2026-03-14T10:00:00Z')
    await bankPays([payment(invoice.paymentReference, '60.50')])
    expect((await tenant.run((ctx) => getPaymentPlan(ctx, id))).status).toBe('active')
    clock.set('2026-04-14T10:00:00Z')
    await bankPays([payment(invoice.paymentReference, '60.50')])
    const plan = await tenant.run((ctx) => getPaymentPlan(ctx, id))
    expect(plan).toMatchObject({ status: 'completed', paidMinor: 121_00n, closedReason: 'paid' })
  })
})
