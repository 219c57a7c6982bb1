import fc from 'fast-check'
import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  call,
  type TestTenant,
  testPlatform,
  testServer,
  testTenant,
} from '../../../test/support.js'
import type { Ctx } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { openAmount } from '../invoicing/index.js'
import { listAccounts, trialBalance } from '../ledger/index.js'
import { allocatePayment, getPayment, listPayments, recordPayment } from './service.js'
import { issuedTestInvoice, testCustomer } from './test-helpers.js'

let platform: Platform
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  tenant = await testTenant(platform)
})

/** The customer's unapplied cash as the ledger has it: credit − debit on unapplied_cash. */
async function ledgerUnappliedMinor(ctx: Ctx, customerId: string): Promise<bigint> {
  const accounts = await listAccounts(ctx)
  const code = accounts.find((a) => a.purpose === 'unapplied_cash')?.code ?? ''
  const row = await sql<{ balance: bigint }>`
    select coalesce(sum(credit_minor - debit_minor), 0)::bigint as balance
    from journal_line where account_code = ${code} and customer_id = ${customerId}`.execute(ctx.db)
  return row.rows[0].balance
}

describe('recording and allocating payments', () => {
  test('a payment is unapplied cash until allocated; allocating settles the invoice', async () => {
    await tenant.run(async (ctx) => {
      const customerId = await testCustomer(ctx)
      const invoice = await issuedTestInvoice(ctx, { customerId, amountMinor: 12_100n })
      const payment = await recordPayment(ctx, {
        customerId,
        amountMinor: 15_000n,
        currency: 'EUR',
        method: 'bank_transfer',
        source: 'bank',
        reference: invoice.paymentReference,
      })
      expect(payment.unallocatedMinor).toBe(15_000n)
      expect(await ledgerUnappliedMinor(ctx, customerId)).toBe(15_000n)

      const allocated = await allocatePayment(ctx, payment.id, [
        { invoiceId: invoice.id, amountMinor: 12_100n },
      ])
      expect(allocated.allocatedMinor).toBe(12_100n)
      expect(allocated.unallocatedMinor).toBe(2_900n)
      expect((await openAmount(ctx, invoice.id)).openMinor).toBe(0n)
      // The over-payment stays unapplied cash on the customer, in the ledger too.
      expect(await ledgerUnappliedMinor(ctx, customerId)).toBe(2_900n)
    })
  })

  test('refuses an allocation larger than the open amount, and writes nothing', async () => {
    await tenant.run(async (ctx) => {
      const customerId = await testCustomer(ctx)
      const invoice = await issuedTestInvoice(ctx, { customerId, amountMinor: 5_000n })
      const payment = await recordPayment(ctx, {
        customerId,
        amountMinor: 9_000n,
        currency: 'EUR',
        method: 'bank_transfer',
        source: 'bank',
      })
      await expect(
        allocatePayment(ctx, payment.id, [{ invoiceId: invoice.id, amountMinor: 5_001n }]),
      ).rejects.toMatchObject({ code: 'payments.allocation_exceeds_open' })
      expect((await getPayment(ctx, payment.id)).allocations).toEqual([])
    })
  })

  test('refuses allocations larger than the unallocated amount of the payment', async () => {
    await tenant.run(async (ctx) => {
      const customerId = await testCustomer(ctx)
      const a = await issuedTestInvoice(ctx, { customerId, amountMinor: 5_000n })
      const b = await issuedTestInvoice(ctx, { customerId, amountMinor: 5_000n })
      const payment = await recordPayment(ctx, {
        customerId,
        amountMinor: 6_000n,
        currency: 'EUR',
        method: 'bank_transfer',
        source: 'bank',
      })
      await expect(
        allocatePayment(ctx, payment.id, [
          { invoiceId: a.id, amountMinor: 5_000n },
          { invoiceId: b.id, amountMinor: 1_001n },
        ]),
      ).rejects.toMatchObject({ code: 'payments.allocation_exceeds_unallocated' })
    })
  })

  test("refuses another customer's invoice and another currency", async () => {
    await tenant.run(async (ctx) => {
      const customerId = await testCustomer(ctx)
      const other = await testCustomer(ctx)
      const theirs = await issuedTestInvoice(ctx, { customerId: other, amountMinor: 1_000n })
      const inUsd = await issuedTestInvoice(ctx, {
        customerId,
        amountMinor: 1_000n,
        currency: 'USD',
      })
      const payment = await recordPayment(ctx, {
        customerId,
        amountMinor: 1_000n,
        currency: 'EUR',
        method: 'manual',
        source: 'manual',
      })
      await expect(
        allocatePayment(ctx, payment.id, [{ invoiceId: theirs.id, amountMinor: 1_000n }]),
      ).rejects.toMatchObject({ code: 'payments.customer_mismatch' })
      await expect(
        allocatePayment(ctx, payment.id, [{ invoiceId: inUsd.id, amountMinor: 1_000n }]),
      ).rejects.toMatchObject({ code: 'payments.currency_mismatch' })
    })
  })

  test('records a provider payment once', async () => {
    await tenant.run(async (ctx) => {
      const customerId = await testCustomer(ctx)
      const input = {
        customerId,
        amountMinor: 1_000n,
        currency: 'EUR',
        method: 'ideal',
        source: 'pay_page' as const,
        provider: { name: 'mollie', paymentId: `tr_once${Date.now()}` },
      }
      await recordPayment(ctx, input)
      await expect(recordPayment(ctx, input)).rejects.toMatchObject({
        code: 'payments.provider_payment_recorded',
      })
    })
  })
})

describe('property: allocations never exceed a payment or an open amount', () => {
  // Steps over two customers with two invoices each; amounts in cents. An allocation step
  // picks a payment and an invoice and asks for an amount that may be too much: the service
  // must refuse it whole or do it, never anything in between.
  const step = fc.oneof(
    fc.record({
      kind: fc.constant('pay' as const),
      customer: fc.integer({ min: 0, max: 1 }),
      amount: fc.bigInt({ min: 1n, max: 20_000n }),
    }),
    fc.record({
      kind: fc.constant('allocate' as const),
      payment: fc.nat(),
      invoice: fc.integer({ min: 0, max: 3 }),
      amount: fc.bigInt({ min: 1n, max: 20_000n }),
    }),
  )

  test('and the ledger holds the unallocated payments as unapplied cash per customer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const t = await testTenant(platform)
        const { customers, invoices } = await t.run(async (ctx) => {
          const customers = [await testCustomer(ctx), await testCustomer(ctx)]
          const invoices = [
            await issuedTestInvoice(ctx, { customerId: customers[0], amountMinor: 10_000n }),
            await issuedTestInvoice(ctx, { customerId: customers[0], amountMinor: 7_500n }),
            await issuedTestInvoice(ctx, { customerId: customers[1], amountMinor: 12_345n }),
            await issuedTestInvoice(ctx, { customerId: customers[1], amountMinor: 1n }),
          ]
          return { customers, invoices }
        })
        const invoiceCustomer = [0, 0, 1, 1]
        const payments: string[] = []
        // Each step is its own transaction, as each API call is: a refused one rolls back.
        for (const s of steps) {
          if (s.kind === 'pay') {
            const p = await t.run((ctx) =>
              recordPayment(ctx, {
                customerId: customers[s.customer],
                amountMinor: s.amount,
                currency: 'EUR',
                method: 'bank_transfer',
                source: 'bank',
              }),
            )
            payments.push(p.id)
            continue
          }
          if (payments.length === 0) continue
          const paymentId = payments[s.payment % payments.length]
          const invoice = invoices[s.invoice]
          const fits = await t.run(async (ctx) => {
            const before = await getPayment(ctx, paymentId)
            const open = (await openAmount(ctx, invoice.id)).openMinor
            return (
              before.customerId === customers[invoiceCustomer[s.invoice]] &&
              s.amount <= before.unallocatedMinor &&
              s.amount <= open
            )
          })
          const attempt = await t
            .run((ctx) =>
              allocatePayment(ctx, paymentId, [{ invoiceId: invoice.id, amountMinor: s.amount }]),
            )
            .then(
              () => 'done',
              () => 'refused',
            )
          expect(attempt).toBe(fits ? 'done' : 'refused')
        }
        await t.run(async (ctx) => {
          for (const invoice of invoices) {
            expect((await openAmount(ctx, invoice.id)).openMinor).toBeGreaterThanOrEqual(0n)
          }
          for (const customerId of customers) {
            const page = await listPayments(ctx, { customerId, limit: 500 })
            for (const p of page.data) {
              expect(p.allocatedMinor).toBeLessThanOrEqual(p.amountMinor)
            }
            const unallocated = page.data.reduce((sum, p) => sum + p.unallocatedMinor, 0n)
            expect(await ledgerUnappliedMinor(ctx, customerId)).toBe(unallocated)
          }
          const balance = await trialBalance(ctx)
          for (const total of balance.totals) expect(total.debitMinor).toBe(total.creditMinor)
        })
      }),
      { numRuns: 12 },
    )
  })
})

describe('payments API', () => {
  test('records, lists, reads and allocates a payment', async () => {
    const app = await testServer(platform)
    const key = await tenant.key('cash_application_specialist')
    const { customerId, invoice } = await tenant.run(async (ctx) => {
      const customerId = await testCustomer(ctx)
      return {
        customerId,
        invoice: await issuedTestInvoice(ctx, { customerId, amountMinor: 4_200n }),
      }
    })
    const made = await call(app, key, 'POST', '/v1/payments', {
      customer_id: customerId,
      amount: '50.00',
      currency: 'EUR',
      method: 'bank_transfer',
      source: 'bank',
      payer_iban: 'NL91 ABNA 0417 1643 00',
    })
    expect(made.status).toBe(201)
    expect(made.body).toMatchObject({
      amount: '50.00',
      unallocated: '50.00',
      payer_iban: 'NL91ABNA0417164300',
    })

    const allocated = await call(app, key, 'POST', `/v1/payments/${made.body.id}/allocations`, {
      allocations: [{ invoice_id: invoice.id, amount: '42.00' }],
    })
    expect(allocated.status).toBe(201)
    expect(allocated.body).toMatchObject({ allocated: '42.00', unallocated: '8.00' })

    const tooMuch = await call(app, key, 'POST', `/v1/payments/${made.body.id}/allocations`, {
      allocations: [{ invoice_id: invoice.id, amount: '0.01' }],
    })
    expect(tooMuch.status).toBe(422)
    expect(tooMuch.body.type).toBe('/problems/payments.allocation_exceeds_open')

    const read = await call(app, key, 'GET', `/v1/payments/${made.body.id}`)
    expect(read.body.allocations).toHaveLength(1)
    const list = await call(app, key, 'GET', `/v1/payments?customer_id=${customerId}`)
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([made.body.id])

    const collector = await tenant.key('collector')
    const refused = await call(app, collector, 'POST', '/v1/payments', {
      customer_id: customerId,
      amount: '1.00',
      currency: 'EUR',
      method: 'manual',
    })
    expect(refused.status).toBe(403)
  })
})
