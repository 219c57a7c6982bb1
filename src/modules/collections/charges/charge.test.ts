import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testTenant,
} from '../../../../test/support.js'
import { DomainError } from '../../../core/errors.js'
import type { Platform } from '../../../platform.js'
import {
  customerStatement,
  customerStatementPdf,
  statementChargesCsv,
  statementCsv,
} from '../../invoicing/index.js'
import { trialBalance } from '../../ledger/index.js'
import { statutoryCollectionCosts } from '../law/index.js'
import { arrangeCustomerWithInvoices, arrangeDunningMessage } from '../messages/test-helpers.js'
import type { PolicyInterestKind } from '../tables.js'
import { type ChargeItem, chargeCostsAndInterest, chargeEntries, planCharges } from './charge.js'
import { reverseCollectionCharge } from './reverse.js'

// Collection costs and interest as the law allows them: a business from the day after the due
// date (at least EUR 40), a consumer only after a 14-day letter's term, never twice; interest
// per period from the due date, never over a day already charged; booked to the ledger.

let platform: Platform
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-03-20T09:00:00Z'))
  tenant = await testTenant(platform)
}, 60_000)

async function chargeStep(
  fields: Record<string, unknown>,
  amounts: bigint[],
  options: { interestKind?: PolicyInterestKind; costsChargeableFrom?: string | null } = {},
) {
  return tenant.run(async (ctx) => {
    const { customer, invoices } = await arrangeCustomerWithInvoices(
      ctx,
      fields,
      amounts.map((netMinor) => ({ netMinor, issueDate: '2026-02-01' })),
    )
    const message = await arrangeDunningMessage(ctx, {
      customer,
      invoices,
      runDate: '2026-03-20',
      channel: 'letter',
      templateKey: 'final_notice',
      action: 'charge_costs_and_interest',
      interestKind: options.interestKind ?? 'commercial',
      costsChargeableFrom: options.costsChargeableFrom,
    })
    return { customer, invoices, ...message }
  })
}

describe('charging a business', () => {
  test('charges the WIK scale once over the message, split per invoice, with interest, booked', async () => {
    // Due Monday 16 February (issued 1 February, 14 days, moved past the Sunday).
    const { invoices, messageId, customer } = await chargeStep({ segment: 'enterprise' }, [
      600_00n,
      400_00n,
    ])
    const summary = await tenant.run((ctx) =>
      chargeCostsAndInterest(ctx, '2026-03-20', [messageId]),
    )
    // 15% of EUR 1,000.00 = EUR 150.00, split 90.00 / 60.00.
    expect(summary.costsMinor).toBe(150_00n)
    expect(summary.refused).toEqual([])
    const charges = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('collectionCharge')
        .selectAll()
        .where('customerId', '=', customer.id)
        .orderBy('kind')
        .orderBy('amountMinor', 'desc')
        .execute(),
    )
    const costs = charges.filter((c) => c.kind === 'collection_costs')
    expect(costs.map((c) => BigInt(c.amountMinor))).toEqual([90_00n, 60_00n])
    expect(costs.map((c) => c.invoiceId)).toEqual(invoices.map((i) => i.id))
    // Commercial interest 17 Feb – 20 Mar (32 days) at 10.15% on 600.00: 5.34; on 400.00: 3.56.
    const interest = charges.filter((c) => c.kind === 'interest')
    expect(interest.map((c) => BigInt(c.amountMinor))).toEqual([5_34n, 3_56n])
    expect(interest[0]).toMatchObject({ periodFrom: '2026-02-17', periodTo: '2026-03-20' })
    expect(summary.interestMinor).toBe(8_90n)
    expect(summary.charges).toBe(4)

    const balance = await tenant.run((ctx) => trialBalance(ctx, { currency: 'EUR' }))
    const row = (code: string) => balance.rows.find((r) => r.accountCode === code)
    expect(row('1110')?.balanceMinor).toBe(158_90n)
    expect(row('8900')?.balanceMinor).toBe(-150_00n)
    expect(row('8910')?.balanceMinor).toBe(-8_90n)
    // The control account still equals the invoices' open items (decision 0008).
    const openMinor = await tenant.run(async (ctx) => {
      const open = await ctx.db
        .selectFrom('invoiceOpenItem')
        .select((eb) => eb.fn.sum<string>('openMinor').as('total'))
        .executeTakeFirstOrThrow()
      return BigInt(open.total)
    })
    expect(row('1100')?.balanceMinor).toBe(openMinor)

    // The same day again: nothing more.
    const again = await tenant.run((ctx) => chargeCostsAndInterest(ctx, '2026-03-20', [messageId]))
    expect(again).toMatchObject({ costsMinor: 0n, interestMinor: 0n, charges: 0 })

    // Three weeks on: interest for the new days only, no costs again.
    const later = await tenant.run((ctx) => chargeCostsAndInterest(ctx, '2026-04-10', [messageId]))
    expect(later.costsMinor).toBe(0n)
    expect(later.charges).toBe(2)
    const periods = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('collectionCharge')
        .select(['periodFrom', 'periodTo'])
        .where('customerId', '=', customer.id)
        .where('chargedOn', '=', '2026-04-10')
        .execute(),
    )
    expect(periods).toEqual([
      { periodFrom: '2026-03-21', periodTo: '2026-04-10' },
      { periodFrom: '2026-03-21', periodTo: '2026-04-10' },
    ])
  })

  test('a collector takes a charge back once; it is not charged again', async () => {
    const { messageId, customer } = await chargeStep({ segment: 'enterprise' }, [500_00n], {
      interestKind: 'none',
    })
    await tenant.run((ctx) => chargeCostsAndInterest(ctx, '2026-03-20', [messageId]))
    const charge = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('collectionCharge')
        .select(['id', 'amountMinor'])
        .where('customerId', '=', customer.id)
        .executeTakeFirstOrThrow(),
    )
    const reversal = await tenant.run((ctx) =>
      reverseCollectionCharge(ctx, charge.id, 'agreed with the customer'),
    )
    expect(reversal).toMatchObject({ amountMinor: -75_00n, reversesChargeId: charge.id })
    const twice = await tenant
      .run((ctx) => reverseCollectionCharge(ctx, charge.id, 'again'))
      .catch((e) => e)
    expect(twice).toBeInstanceOf(DomainError)
    expect((twice as DomainError).code).toBe('collections.charge_not_reversible')

    const again = await tenant.run((ctx) => chargeCostsAndInterest(ctx, '2026-03-21', [messageId]))
    expect(again.charges).toBe(0)
    const { statements } = await tenant.run((ctx) =>
      customerStatement(ctx, customer.id, { asOf: '2026-03-21' }),
    )
    expect(statements[0]?.charges.map((c) => c.amountMinor)).toEqual([75_00n, -75_00n])
    expect(statements[0]?.chargesMinor).toBe(0n)
  })

  test('a small claim between businesses costs at least EUR 40', async () => {
    const { messageId } = await chargeStep({ segment: 'small_business' }, [100_00n], {
      interestKind: 'none',
    })
    const summary = await tenant.run((ctx) =>
      chargeCostsAndInterest(ctx, '2026-03-20', [messageId]),
    )
    expect(summary).toMatchObject({ costsMinor: 40_00n, interestMinor: 0n, charges: 1 })
  })

  test('refuses a country whose collection law o2c does not know, and writes nothing', async () => {
    const { messageId, invoices } = await chargeStep(
      {
        segment: 'enterprise',
        country: 'BE',
        vatId: 'BE0477472701',
        addresses: [
          {
            kind: 'billing',
            lines: ['Grote Markt 1'],
            postalCode: '1000',
            city: 'Brussel',
            country: 'BE',
          },
        ],
      },
      [200_00n],
    )
    const before = await tenant.run((ctx) => rowCount(ctx, 'collectionCharge'))
    const summary = await tenant.run((ctx) =>
      chargeCostsAndInterest(ctx, '2026-03-20', [messageId]),
    )
    expect(summary.charges).toBe(0)
    expect(summary.refused).toEqual([
      {
        invoiceId: invoices[0]?.id,
        reason: 'collection_law_unsupported: no collection law for country BE',
      },
    ])
    expect(await tenant.run((ctx) => rowCount(ctx, 'collectionCharge'))).toBe(before)
  })

  test('refuses interest beyond the rate table, and still charges the costs', async () => {
    const { messageId } = await chargeStep({ segment: 'enterprise' }, [300_00n])
    const summary = await tenant.run((ctx) =>
      chargeCostsAndInterest(ctx, '2026-07-01', [messageId]),
    )
    expect(summary.costsMinor).toBe(45_00n)
    expect(summary.interestMinor).toBe(0n)
    expect(summary.refused[0]?.reason).toBe(
      'collections.interest_rate_unknown: the rate table ends on 2026-06-30',
    )
  })
})

describe('charging a consumer', () => {
  const consumer = { segment: 'consumer', vatId: null }

  test.each`
    chargeableFrom  | outcome
    ${null}         | ${'no_fourteen_day_letter: a consumer owes costs only after a 14-day letter'}
    ${'2026-03-21'} | ${'fourteen_day_term_running: costs may be charged from 2026-03-21'}
  `(
    'charges no costs when the 14-day letter is $chargeableFrom',
    async ({ chargeableFrom, outcome }) => {
      const { messageId } = await chargeStep(consumer, [500_00n], {
        interestKind: 'statutory',
        costsChargeableFrom: chargeableFrom,
      })
      const summary = await tenant.run((ctx) =>
        chargeCostsAndInterest(ctx, '2026-03-20', [messageId]),
      )
      expect(summary.costsMinor).toBe(0n)
      expect(summary.refused.map((r) => r.reason)).toEqual([outcome])
      // Interest needs no letter: statutory interest from the due date.
      expect(summary.interestMinor).toBeGreaterThan(0n)
    },
  )

  test('charges the costs the letter named once its term has passed, and shows them on the statement', async () => {
    const { messageId, customer, invoices } = await chargeStep(consumer, [500_00n], {
      interestKind: 'none',
      costsChargeableFrom: '2026-03-20',
    })
    const summary = await tenant.run((ctx) =>
      chargeCostsAndInterest(ctx, '2026-03-20', [messageId]),
    )
    expect(summary).toMatchObject({ costsMinor: 75_00n, charges: 1, refused: [] })

    const { statements } = await tenant.run((ctx) =>
      customerStatement(ctx, customer.id, { asOf: '2026-03-20' }),
    )
    const statement = statements[0]
    expect(statement?.charges).toEqual([
      {
        number: invoices[0]?.number,
        kind: 'collection_costs',
        chargedOn: '2026-03-20',
        periodFrom: null,
        periodTo: null,
        amountMinor: 75_00n,
      },
    ])
    expect(statement?.totalOpenMinor).toBe(575_00n)
    expect(statement?.chargesMinor).toBe(75_00n)
    expect(statementCsv(statements)).toContain(
      `${invoices[0]?.number},2026-02-01,2026-02-16,EUR,500.00,500.00,32`,
    )
    expect(statementChargesCsv(statements)).toContain(
      `collection_costs,${invoices[0]?.number},2026-03-20,,,EUR,75.00`,
    )
    const pdf = await tenant.run((ctx) =>
      customerStatementPdf(ctx, customer.id, { asOf: '2026-03-20' }),
    )
    expect(Buffer.from(pdf).subarray(0, 5).toString()).toBe('%PDF-')
  })
})

describe('the rules, on any items', () => {
  const item = fc.record({
    openMinor: fc.bigInt({ min: 1n, max: 50_000_000n }),
    dueDay: fc.integer({ min: 0, max: 200 }),
    costsCharged: fc.boolean(),
  })
  const kinds = fc.constantFrom<PolicyInterestKind>('none', 'statutory', 'commercial')

  function itemsOf(
    drawn: { openMinor: bigint; dueDay: number; costsCharged: boolean }[],
    segment: string,
    interestKind: PolicyInterestKind,
  ): ChargeItem[] {
    return drawn.map((d, i) => ({
      messageId: '0190aaaa-0000-7000-8000-000000000001',
      customerId: '0190aaaa-0000-7000-8000-000000000002',
      invoiceId: `0190aaaa-0000-7000-8000-${String(i).padStart(12, '0')}`,
      number: `INV-${i}`,
      currency: 'EUR',
      dueDate: new Date(Date.UTC(2025, 6, 1) + d.dueDay * 86_400_000).toISOString().slice(0, 10),
      openMinor: d.openMinor,
      country: 'NL',
      segment,
      interestKind,
      costsChargeableFrom: '2025-07-01',
      costsCharged: d.costsCharged,
      interestChargedThrough: null,
    }))
  }

  test('the costs split over the invoices sums to the scale on their total, and every entry balances', () => {
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('consumer', 'enterprise'),
        kinds,
        (drawn, segment, interestKind) => {
          const items = itemsOf(drawn, segment, interestKind)
          const { charges } = planCharges(items, '2026-03-20')
          const costs = charges.filter((c) => c.kind === 'collection_costs')
          const charged = items.filter((i) => !i.costsCharged)
          if (charged.length > 0) {
            const principal = charged.reduce((sum, i) => sum + i.openMinor, 0n)
            const scale = statutoryCollectionCosts(principal)
            const expected = segment === 'consumer' || scale >= 40_00n ? scale : 40_00n
            expect(costs.reduce((sum, c) => sum + c.amountMinor, 0n)).toBe(expected)
          } else {
            expect(costs).toEqual([])
          }
          for (const entry of chargeEntries(charges, '2026-03-20', {
            receivable: '1110',
            costs: '8900',
            interest: '8910',
          })) {
            const debit = entry.lines.reduce((sum, l) => sum + (l.debitMinor ?? 0n), 0n)
            const credit = entry.lines.reduce((sum, l) => sum + (l.creditMinor ?? 0n), 0n)
            expect(debit).toBe(credit)
            expect(debit).toBeGreaterThan(0n)
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  test('charging again on the same day charges nothing', () => {
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('consumer', 'enterprise'),
        kinds,
        (drawn, segment, interestKind) => {
          const items = itemsOf(drawn, segment, interestKind)
          const first = planCharges(items, '2026-03-20').charges
          // What the store holds after the first charge: costs on every item charged, interest
          // through the run date.
          const after = items.map((i) => ({
            ...i,
            costsCharged:
              i.costsCharged ||
              first.some(
                (c) =>
                  c.kind === 'collection_costs' &&
                  (c.basis.invoice_ids as string[]).includes(i.invoiceId),
              ),
            interestChargedThrough: first.some(
              (c) => c.invoiceId === i.invoiceId && c.kind === 'interest',
            )
              ? '2026-03-20'
              : null,
          }))
          expect(planCharges(after, '2026-03-20').charges).toEqual([])
        },
      ),
      { numRuns: 200 },
    )
  })
})
