import { beforeAll, describe, expect, test } from 'vitest'
import { testStoreKind } from '../../../test/stores.js'
import { type TestTenant, testPlatform, testTenant } from '../../../test/support.js'
import { newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { createCustomer } from '../customers/index.js'
import {
  invoiceTimeline,
  listSettlements,
  openAmount,
  reverseSettlement,
  settleInvoice,
} from './index.js'

let platform: Platform
let acme: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  acme = await testTenant(platform)
})

let counter = 0

/** An issued open item without lines, as an opening-balance import makes them. */
async function openItem(ctx: Ctx, payableMinor: bigint, currency = 'EUR'): Promise<string> {
  const n = ++counter
  const customer = await createCustomer(ctx, { number: `S-${n}`, legalName: `Customer ${n}` })
  const id = newId()
  await ctx.db
    .insertInto('invoice')
    .values({
      tenantId: ctx.tenantId,
      id,
      documentType: 'invoice',
      status: 'issued',
      origin: 'opening_balance',
      customerId: customer.id,
      currency,
      number: `OB-${n}`,
      issueDate: '2026-10-01',
      dueDate: '2026-10-31',
      paymentReference: `REF${n}`,
      seller: '{}',
      buyer: '{}',
      paymentTerms: '{}',
      lineNetMinor: payableMinor,
      taxExclusiveMinor: payableMinor,
      totalMinor: payableMinor,
      payableMinor,
      createdAt: ctx.now,
      createdBy: 'test',
      issuedAt: ctx.now,
      issuedBy: 'test',
      updatedAt: ctx.now,
    })
    .execute()
  return id
}

const settle = (ctx: Ctx, invoiceId: string, amountMinor: bigint, currency = 'EUR') =>
  settleInvoice(ctx, {
    invoiceId,
    kind: 'payment',
    amountMinor,
    currency,
    source: { type: 'test', id: newId() },
  })

describe('settling an invoice', () => {
  test('a partial payment leaves the rest open and shows partially paid, the rest paid', async () => {
    await acme.run(async (ctx) => {
      const id = await openItem(ctx, 121_00n)
      await settle(ctx, id, 21_00n)
      expect((await openAmount(ctx, id)).openMinor).toBe(100_00n)
      await settle(ctx, id, 100_00n)
      expect(await openAmount(ctx, id)).toMatchObject({ openMinor: 0n, settledMinor: 121_00n })
      const steps = (await invoiceTimeline(ctx, id)).map((s) => [s.step, s.detail.open_amount])
      expect(steps).toEqual([
        ['partially_paid', '100.00'],
        ['paid', '0.00'],
      ])
    })
  })

  test('refuses more than is open, in another currency, or nothing, and writes nothing', async () => {
    const id = await acme.run((ctx) => openItem(ctx, 50_00n))
    await expect(acme.run((ctx) => settle(ctx, id, 50_01n))).rejects.toMatchObject({
      code: 'invoicing.settlement_exceeds_open',
      details: { open: '50.00' },
    })
    await expect(acme.run((ctx) => settle(ctx, id, 10_00n, 'USD'))).rejects.toMatchObject({
      code: 'invoicing.currency_mismatch',
    })
    await expect(acme.run((ctx) => settle(ctx, id, 0n))).rejects.toMatchObject({
      code: 'request.invalid',
    })
    const left = await acme.run(async (ctx) => ({
      settlements: await listSettlements(ctx, id),
      timeline: await invoiceTimeline(ctx, id),
      open: (await openAmount(ctx, id)).openMinor,
    }))
    expect(left).toEqual({ settlements: [], timeline: [], open: 50_00n })
  })

  test('a reversal opens the amount again, once', async () => {
    await acme.run(async (ctx) => {
      const id = await openItem(ctx, 80_00n)
      const payment = await settle(ctx, id, 80_00n)
      await reverseSettlement(ctx, payment.id, { type: 'test', id: 'undo' })
      expect((await openAmount(ctx, id)).openMinor).toBe(80_00n)
      await expect(
        reverseSettlement(ctx, payment.id, { type: 'test', id: 'again' }),
      ).rejects.toMatchObject({ code: 'invoicing.settlement_already_reversed' })
    })
  })

  test('settlements cannot be changed or deleted by the application', async () => {
    await acme.run(async (ctx) => {
      const id = await openItem(ctx, 10_00n)
      await settle(ctx, id, 5_00n)
    })
    await expect(
      acme.run((ctx) => ctx.db.deleteFrom('invoiceSettlement').execute()),
    ).rejects.toThrow(/permission denied/)
  })

  test(`concurrent settlements on ${testStoreKind} never settle more than is open`, async () => {
    const id = await acme.run((ctx) => openItem(ctx, 100_00n))
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => acme.run((ctx) => settle(ctx, id, 30_00n))),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3)
    expect((await acme.run((ctx) => openAmount(ctx, id))).openMinor).toBe(10_00n)
  })

  test('the credit check sees what is open per customer', async () => {
    await acme.run(async (ctx) => {
      const id = await openItem(ctx, 70_00n)
      await settle(ctx, id, 20_00n)
      const { customerId } = await openAmount(ctx, id)
      const position = await ctx.db
        .selectFrom('customerReceivablePosition')
        .selectAll()
        .where('customerId', '=', customerId)
        .execute()
      expect(position).toEqual([
        expect.objectContaining({
          currency: 'EUR',
          openMinor: 50_00n,
          oldestDueDate: '2026-10-31',
        }),
      ])
    })
  })
})
