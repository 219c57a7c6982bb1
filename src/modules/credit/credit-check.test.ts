import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { manualClock, type TestTenant, testPlatform, testTenant } from '../../../test/support.js'
import { addDays } from '../../core/dates.js'
import { newId } from '../../core/ids.js'
import { parseAmount } from '../../core/money.js'
import { asSystem } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { auditTrail } from '../audit/index.js'
import { createCustomer } from '../customers/index.js'
import { checkOrderCredit, type OrderCreditRequest } from './index.js'
import type { CreditStatus } from './tables.js'

// The order credit check, case by case, on a real store. Open receivables come from the view
// customer_receivable_position, which this file replaces with one over a test table (as the
// store's owner), the way invoicing will replace it over its open items.

const clock = manualClock('2026-03-01T09:00:00Z')
const today = '2026-03-01'
let platform: Platform
let acme: TestTenant

beforeAll(async () => {
  platform = await testPlatform(clock)
  acme = await testTenant(platform)
  await asSystem(platform.store, async (db) => {
    await sql`create table credit_test_receivable (
      tenant_id uuid not null, customer_id uuid not null, currency char(3) not null,
      open_minor bigint not null, due_date date not null)`.execute(db)
    await sql`grant select on credit_test_receivable to o2c_app`.execute(db)
    await sql`create or replace view customer_receivable_position with (security_invoker = true) as
      select tenant_id, customer_id, currency, sum(open_minor)::bigint as open_minor,
        min(due_date) as oldest_due_date
      from credit_test_receivable
      where tenant_id = o2c_current_tenant() and open_minor > 0
      group by tenant_id, customer_id, currency`.execute(db)
  })
})

const eur = (text: string) => parseAmount(text, 'EUR') as bigint

type Who = 'customer' | 'sibling'
type Case = {
  limit?: string
  groupLimit?: string
  status?: CreditStatus
  receivables?: [Who, string, number][] // who, open amount (EUR), days since due
  uninvoiced?: [Who, string][]
  order: string
  currency?: string
  prepayment?: boolean
  overdueDaysMax?: number
  reasons: string[]
}

let caseCounter = 0

/** A group: a top parent, the ordering customer under it and a sibling, with the case's facts. */
async function arrange(c: Case) {
  const n = ++caseCounter
  return acme
    .run(async (ctx) => {
      const parent = await createCustomer(ctx, { number: `P-${n}`, legalName: `Holding ${n}` })
      const customer = await createCustomer(ctx, {
        number: `C-${n}`,
        legalName: `Shop ${n}`,
        parentId: parent.id,
      })
      const sibling = await createCustomer(ctx, {
        number: `S-${n}`,
        legalName: `Sister ${n}`,
        parentId: parent.id,
      })
      const ids = { customer: customer.id, sibling: sibling.id }
      const profile = {
        tenantId: ctx.tenantId,
        currency: 'EUR',
        createdAt: ctx.now,
        updatedAt: ctx.now,
      }
      if (c.limit !== undefined || c.status) {
        await ctx.db
          .insertInto('creditProfile')
          .values({
            ...profile,
            customerId: customer.id,
            creditLimitMinor: c.limit === undefined ? null : eur(c.limit),
            groupCreditLimitMinor: null,
            riskClass: null,
            creditStatus: c.status ?? 'ok',
            nextReviewDate: null,
            lastReviewDate: null,
          })
          .execute()
      }
      if (c.groupLimit !== undefined) {
        await ctx.db
          .insertInto('creditProfile')
          .values({
            ...profile,
            customerId: parent.id,
            creditLimitMinor: null,
            groupCreditLimitMinor: eur(c.groupLimit),
            riskClass: null,
            nextReviewDate: null,
            lastReviewDate: null,
          })
          .execute()
      }
      await ctx.db.deleteFrom('creditPolicy').execute()
      await ctx.db
        .insertInto('creditPolicy')
        .values({
          tenantId: ctx.tenantId,
          fourEyesThresholdMinor: 0n,
          currency: 'EUR',
          overdueDaysMax: c.overdueDaysMax ?? 30,
          reviewIntervalDays: 365,
          updatedAt: ctx.now,
        })
        .execute()
      const request: OrderCreditRequest = {
        customerId: customer.id,
        orderId: newId(),
        amountMinor: eur(c.order),
        currency: c.currency ?? 'EUR',
        uninvoicedOrders: (c.uninvoiced ?? []).map(([who, amount]) => ({
          customerId: ids[who],
          currency: 'EUR',
          amountMinor: eur(amount),
        })),
        prepayment: c.prepayment ?? false,
      }
      return { ids, request, parentId: parent.id }
    })
    .then(async (arranged) => {
      if (c.receivables?.length) {
        await asSystem(platform.store, async (db) => {
          for (const [who, amount, daysSinceDue] of c.receivables ?? []) {
            await sql`insert into credit_test_receivable values (${acme.tenantId},
            ${arranged.ids[who]}, 'EUR', ${eur(amount)}, ${addDays(today, -daysSinceDue)})`.execute(
              db,
            )
          }
        })
      }
      return arranged
    })
}

describe('order credit check', () => {
  test.each<[string, Case]>([
    ['within the limit', { limit: '10000.00', order: '2500.00', reasons: [] }],
    [
      'exactly at the limit (receivables + uninvoiced + order)',
      {
        limit: '10000.00',
        receivables: [['customer', '4000.00', -10]],
        uninvoiced: [['customer', '3000.00']],
        order: '3000.00',
        reasons: [],
      },
    ],
    [
      'limit exceeded by receivables + uninvoiced + order',
      {
        limit: '10000.00',
        receivables: [['customer', '4000.00', -10]],
        uninvoiced: [['customer', '3000.00']],
        order: '3000.01',
        reasons: ['credit_limit_exceeded'],
      },
    ],
    [
      "group limit exceeded while the customer's own is fine",
      {
        limit: '10000.00',
        groupLimit: '20000.00',
        receivables: [['sibling', '15000.00', -5]],
        order: '6000.00',
        reasons: ['group_credit_limit_exceeded'],
      },
    ],
    [
      'group limit alone, within it',
      {
        groupLimit: '20000.00',
        uninvoiced: [['sibling', '9000.00']],
        order: '6000.00',
        reasons: [],
      },
    ],
    [
      'customer on hold',
      { limit: '10000.00', status: 'hold', order: '1.00', reasons: ['customer_on_hold'] },
    ],
    [
      'customer blocked',
      { limit: '10000.00', status: 'blocked', order: '1.00', reasons: ['customer_blocked'] },
    ],
    ['watch is only a warning', { limit: '10000.00', status: 'watch', order: '1.00', reasons: [] }],
    [
      'an item overdue longer than the policy allows',
      {
        limit: '10000.00',
        receivables: [['customer', '100.00', 45]],
        order: '1.00',
        reasons: ['overdue_items'],
      },
    ],
    [
      'an item overdue, but within the allowed days',
      {
        limit: '10000.00',
        receivables: [['customer', '100.00', 30]],
        order: '1.00',
        reasons: [],
      },
    ],
    [
      "a sibling's overdue item does not hold the customer's order",
      {
        limit: '10000.00',
        receivables: [['sibling', '100.00', 90]],
        order: '1.00',
        reasons: [],
      },
    ],
    ['no limit set', { order: '1.00', reasons: ['no_credit_limit'] }],
    ['no limit set, but prepaid', { order: '1.00', prepayment: true, reasons: [] }],
    [
      'prepayment skips the exposure check',
      {
        limit: '100.00',
        groupLimit: '100.00',
        uninvoiced: [['customer', '5000.00']],
        order: '9000.00',
        prepayment: true,
        reasons: [],
      },
    ],
    [
      'prepayment does not skip a hold',
      {
        limit: '100.00',
        status: 'hold',
        order: '9000.00',
        prepayment: true,
        reasons: ['customer_on_hold'],
      },
    ],
    [
      'prepayment does not skip overdue items',
      {
        limit: '100.00',
        receivables: [['customer', '10.00', 60]],
        order: '1.00',
        prepayment: true,
        reasons: ['overdue_items'],
      },
    ],
    [
      'order currency differs from the limit',
      { limit: '10000.00', order: '1.00', currency: 'USD', reasons: ['currency_differs'] },
    ],
    [
      'several reasons at once',
      {
        limit: '100.00',
        status: 'blocked',
        receivables: [['customer', '500.00', 40]],
        order: '1.00',
        reasons: ['customer_blocked', 'overdue_items', 'credit_limit_exceeded'],
      },
    ],
  ])('%s', async (_name, c) => {
    const { request } = await arrange(c)
    const decision = await acme.run((ctx) => checkOrderCredit(ctx, request))
    expect(decision.reasons.map((r) => r.code).sort()).toEqual([...c.reasons].sort())
    expect(decision.outcome).toBe(c.reasons.length === 0 ? 'approved' : 'hold')
    for (const reason of decision.reasons) expect(reason.detail).not.toBe('')
  })

  test('the decision carries the figures and a readable detail', async () => {
    const { request } = await arrange({
      limit: '10000.00',
      groupLimit: '50000.00',
      receivables: [
        ['customer', '4000.00', -10],
        ['sibling', '1000.00', -10],
      ],
      uninvoiced: [
        ['customer', '3000.00'],
        ['sibling', '2000.00'],
      ],
      order: '5400.00',
      reasons: [],
    })
    const decision = await acme.run((ctx) => checkOrderCredit(ctx, request))
    expect(decision).toMatchObject({
      outcome: 'hold',
      currency: 'EUR',
      limitMinor: 1_000_000n,
      exposureMinor: 1_240_000n,
      groupLimitMinor: 5_000_000n,
      groupExposureMinor: 1_540_000n,
      checkedAt: new Date('2026-03-01T09:00:00Z'),
    })
    expect(decision.reasons).toEqual([
      {
        code: 'credit_limit_exceeded',
        detail: 'Exposure 12,400.00 EUR exceeds limit 10,000.00 EUR',
      },
    ])
  })

  test('each check is recorded and audited on the order', async () => {
    const { request } = await arrange({ limit: '10.00', order: '20.00', reasons: [] })
    await acme.run((ctx) => checkOrderCredit(ctx, request))
    const recorded = await acme.run((ctx) =>
      ctx.db.selectFrom('creditCheck').selectAll().where('orderId', '=', request.orderId).execute(),
    )
    expect(recorded).toHaveLength(1)
    expect(recorded[0]).toMatchObject({ outcome: 'hold', exposureMinor: 2000n, limitMinor: 1000n })
    const trail = await acme.run((ctx) => auditTrail(ctx, { entityId: request.orderId }))
    expect(trail.data.map((e) => [e.entityType, e.action])).toEqual([['order', 'credit_checked']])
    expect((trail.data[0].after as { outcome: string }).outcome).toBe('hold')
  })

  test("another tenant's customer is not found, and nothing is recorded", async () => {
    const { request } = await arrange({ limit: '10.00', order: '1.00', reasons: [] })
    const other = await testTenant(platform)
    await expect(other.run((ctx) => checkOrderCredit(ctx, request))).rejects.toMatchObject({
      code: 'request.not_found',
    })
    const checks = await other.run((ctx) => ctx.db.selectFrom('creditCheck').selectAll().execute())
    expect(checks).toHaveLength(0)
  })
})
