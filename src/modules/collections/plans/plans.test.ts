import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testTenant,
} from '../../../../test/support.js'
import type { DomainError } from '../../../core/errors.js'
import type { Platform } from '../../../platform.js'
import { arrangeCashappCustomer, arrangeOpenInvoice } from '../../cashapp/test-helpers.js'
import { makePromise } from '../promises/promises.js'
import { createPaymentPlan, getPaymentPlan, planOffers } from './plans.js'
import { addMonths, offeredSchedules, splitInstalments } from './schedule.js'

// A customer who cannot pay gets a plan: instalments that add up to the cent to what is open,
// on ascending dates; on the pay page only what the tenant's policy offers.

const clock = manualClock('2026-03-01T09:00:00Z')
let platform: Platform
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform(clock)
  tenant = await testTenant(platform)
})

async function arrangeInvoices(...netMinor: bigint[]) {
  return tenant.run(async (ctx) => {
    const customer = await arrangeCashappCustomer(ctx)
    const invoices = []
    for (const net of netMinor) invoices.push(await arrangeOpenInvoice(ctx, customer.id, net))
    return { customer, invoices }
  })
}

async function refusal(work: Promise<unknown>): Promise<DomainError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeDefined()
  return error as DomainError
}

describe('splitting a total into instalments', () => {
  test('sums to the total, the first instalments carry the remainder', () => {
    expect(splitInstalments(100_00n, 3)).toEqual([33_34n, 33_33n, 33_33n])
    expect(splitInstalments(5n, 2)).toEqual([3n, 2n])
  })

  test('property: every offered schedule sums to the total and no instalment is below the minimum', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 100_000_000_00n }),
        fc.integer({ min: 0, max: 60 }),
        fc.bigInt({ min: 0n, max: 1_000_00n }),
        (total, maxInstalments, minInstalmentMinor) => {
          const offers = offeredSchedules(total, '2026-01-31', {
            maxInstalments,
            minInstalmentMinor,
          })
          for (const offer of offers) {
            expect(offer.reduce((sum, i) => sum + i.amountMinor, 0n)).toBe(total)
            for (const i of offer) expect(i.amountMinor >= minInstalmentMinor).toBe(true)
            for (let k = 1; k < offer.length; k++) {
              expect(offer[k].dueOn > offer[k - 1].dueOn).toBe(true)
              expect(offer[k - 1].amountMinor - offer[k].amountMinor).toBeLessThanOrEqual(1n)
            }
          }
          expect(offers.length).toBeLessThanOrEqual(Math.max(0, maxInstalments - 1))
        },
      ),
    )
  })

  test('months end at the month end', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28')
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29')
    expect(addMonths('2026-11-15', 2)).toBe('2027-01-15')
  })
})

describe('createPaymentPlan', () => {
  test('creates a plan over the open total, confirmed to the customer', async () => {
    const { customer, invoices } = await arrangeInvoices(100_00n, 100_00n)
    const { id } = await tenant.run((ctx) =>
      createPaymentPlan(ctx, {
        customerId: customer.id,
        invoiceIds: invoices.map((i) => i.id),
        instalments: [
          { dueOn: '2026-03-15', amountMinor: 100_00n },
          { dueOn: '2026-04-15', amountMinor: 100_00n },
          { dueOn: '2026-05-15', amountMinor: 42_00n },
        ],
        source: 'collector',
      }),
    )
    const plan = await tenant.run((ctx) => getPaymentPlan(ctx, id))
    expect(plan).toMatchObject({
      status: 'active',
      totalMinor: 242_00n,
      graceDays: 7,
      source: 'collector',
    })
    expect(plan.instalments.map((i) => [i.position, i.dueOn, i.amountMinor, i.openMinor])).toEqual([
      [1, '2026-03-15', 100_00n, 100_00n],
      [2, '2026-04-15', 100_00n, 100_00n],
      [3, '2026-05-15', 42_00n, 42_00n],
    ])
    const notice = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('collectionActivity')
        .select(['outcome'])
        .where('customerId', '=', customer.id)
        .executeTakeFirstOrThrow(),
    )
    expect(notice.outcome).toBe('plan_confirmed')
  })

  test.each`
    case                                      | instalments                                                                              | source         | code
    ${'instalments below the open total'}     | ${[['2026-03-15', 100_00n], ['2026-04-15', 20_99n]]}                                     | ${'collector'} | ${'collections.plan_instalments_mismatch'}
    ${'instalments above the open total'}     | ${[['2026-03-15', 100_00n], ['2026-04-15', 21_01n]]}                                     | ${'collector'} | ${'collections.plan_instalments_mismatch'}
    ${'dates not ascending'}                  | ${[['2026-04-15', 100_00n], ['2026-03-15', 21_00n]]}                                     | ${'collector'} | ${'collections.plan_dates_invalid'}
    ${'a first instalment in the past'}       | ${[['2026-02-27', 100_00n], ['2026-03-15', 21_00n]]}                                     | ${'collector'} | ${'collections.plan_dates_invalid'}
    ${'an instalment below the pay page min'} | ${[['2026-03-15', 100_00n], ['2026-04-15', 21_00n]]}                                     | ${'pay_page'}  | ${'collections.plan_instalment_too_small'}
    ${'more instalments than the pay page'}   | ${Array.from({ length: 7 }, (_, k) => [`2026-0${k + 3}-10`, k === 0 ? 31_00n : 15_00n])} | ${'pay_page'}  | ${'collections.plan_too_many_instalments'}
  `('refuses $case and writes nothing', async ({ instalments, source, code }) => {
    const { customer, invoices } = await arrangeInvoices(100_00n)
    const before = await tenant.run((ctx) => rowCount(ctx, 'paymentPlan'))
    const error = await refusal(
      tenant.run((ctx) =>
        createPaymentPlan(ctx, {
          customerId: customer.id,
          invoiceIds: [invoices[0].id],
          instalments: (instalments as [string, bigint][]).map(([dueOn, amountMinor]) => ({
            dueOn,
            amountMinor,
          })),
          source,
        }),
      ),
    )
    expect(error.code).toBe(code)
    if (code === 'collections.plan_instalments_mismatch') {
      expect(error.message).toContain('121.00')
    }
    expect(await tenant.run((ctx) => rowCount(ctx, 'paymentPlan'))).toBe(before)
  })
})

describe('planOffers', () => {
  test('offers 2 up to the maximum instalments whose smallest is at least the minimum', async () => {
    // 121.00 open; minimum 25.00: 2, 3 and 4 instalments (30.25), not 5 (24.20).
    const { customer, invoices } = await arrangeInvoices(100_00n)
    const offers = await tenant.run((ctx) =>
      planOffers(ctx, customer.id, [invoices[0].id], '2026-03-01'),
    )
    expect(offers.map((o) => o.instalments.map((i) => i.amountMinor))).toEqual([
      [60_50n, 60_50n],
      [40_34n, 40_33n, 40_33n],
      [30_25n, 30_25n, 30_25n, 30_25n],
    ])
    expect(offers[1].instalments.map((i) => i.dueOn)).toEqual([
      '2026-03-15',
      '2026-04-15',
      '2026-05-15',
    ])
    // An offer taken on the pay page is a valid plan.
    await expect(
      tenant.run((ctx) =>
        createPaymentPlan(ctx, {
          customerId: customer.id,
          invoiceIds: [invoices[0].id],
          instalments: offers[2].instalments,
          source: 'pay_page',
        }),
      ),
    ).resolves.toHaveProperty('id')
    // Held now: nothing more to offer.
    expect(
      await tenant.run((ctx) => planOffers(ctx, customer.id, [invoices[0].id], '2026-03-01')),
    ).toEqual([])
  })

  test('offers nothing for items under a promise', async () => {
    const { customer, invoices } = await arrangeInvoices(100_00n)
    await tenant.run((ctx) =>
      makePromise(ctx, {
        customerId: customer.id,
        invoiceIds: [invoices[0].id],
        amountMinor: 50_00n,
        promisedOn: '2026-03-05',
        channel: 'phone',
      }),
    )
    expect(
      await tenant.run((ctx) => planOffers(ctx, customer.id, [invoices[0].id], '2026-03-01')),
    ).toEqual([])
  })
})
