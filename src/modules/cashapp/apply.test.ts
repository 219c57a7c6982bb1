import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { type TestTenant, testPlatform, testTenant } from '../../../test/support.js'
import { DomainError } from '../../core/errors.js'
import { formatAmount, parseAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { verifyAuditTrail } from '../audit/index.js'
import { listSettlements, openAmount, putExchangeRate } from '../invoicing/index.js'
import { dec } from '../invoicing/test-helpers.js'
import { trialBalance } from '../ledger/index.js'
import { getPayment } from '../payments/index.js'
import { applyCandidate, rematchEntries, unapplyEntry } from './apply.js'
import type { BankEntry } from './bank-files/model.js'
import { type ExportedTransaction, exportCashApplication } from './export.js'
import { importAndApplyStatements } from './import-and-apply.js'
import { getEntryTransactions } from './match-store.js'
import { getRemittanceAdvice, receiveRemittanceAdvice } from './remittance/advices.js'
import {
  arrangeCashappCustomer,
  arrangeOpenInvoice,
  bankEntry,
  eventStream,
  openOf,
  receivableAndOpenItems,
  statementEvents,
} from './test-helpers.js'

// Applying what the matching decides, on a real store: each row of the list (one
// payment to many invoices, partial, over, discount with its VAT, bank fee, another currency,
// returns and debits), the worklist's acts (apply, un-apply, re-match, learning), and the
// rules around them (idempotent, all or nothing, the books balance).

let platform: Platform

beforeAll(async () => {
  platform = await testPlatform()
}, 60_000)

async function importEntries(tenant: TestTenant, entries: BankEntry[], id?: string) {
  return tenant.run((ctx) =>
    importAndApplyStatements(ctx, eventStream(statementEvents({ id, entries })), {
      fileName: 'statement.xml',
    }),
  )
}

/** The one transaction of the only entry with this bank reference. */
async function transactionOf(tenant: TestTenant, bankReference: string) {
  return tenant.run(async (ctx) => {
    const entry = await ctx.db
      .selectFrom('bankEntry')
      .select('id')
      .where('bankReference', '=', bankReference)
      .executeTakeFirstOrThrow()
    const [transaction] = await getEntryTransactions(ctx, entry.id)
    return { entryId: entry.id, ...transaction }
  })
}

const open = (tenant: TestTenant, invoiceId: string) => tenant.run((ctx) => openOf(ctx, invoiceId))

/** Debit − credit per account purpose (EUR), of the whole journal. */
async function balances(ctx: Ctx): Promise<Record<string, string>> {
  const { rows } = await sql<{ purpose: string; balance: bigint }>`
    select a.purpose, sum(l.debit_minor - l.credit_minor)::bigint as balance
    from journal_line l join account a on a.tenant_id = l.tenant_id and a.code = l.account_code
    where l.currency = 'EUR' group by a.purpose`.execute(ctx.db)
  return Object.fromEntries(rows.map((r) => [r.purpose, formatAmount(BigInt(r.balance), 'EUR')]))
}

/** A balance as balances() gives it, in minor units (none is zero). */
const minor = (balance: string | undefined) => parseAmount(balance ?? '0.00', 'EUR') as bigint

/** The receivable control account equals the open items (DESIGN.md invariant 3). */
async function expectReceivableEqualsOpenItems(ctx: Ctx): Promise<void> {
  const { receivable, openItems } = await receivableAndOpenItems(ctx)
  expect(receivable).toBe(openItems)
}

describe('what the matching is certain of is applied on import', () => {
  let tenant: TestTenant
  beforeAll(async () => {
    tenant = await testTenant(platform)
  })

  test('a payment of one invoice by its reference settles it; bank debit, receivable credit', async () => {
    const { customer, invoice } = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return { customer, invoice: await arrangeOpenInvoice(ctx, customer.id, 100_00n) }
    })
    const summary = await importEntries(tenant, [
      bankEntry({
        amount: '121.00',
        bankReference: 'EXACT-1',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
        counterparty: { name: customer.legalName, iban: null, bic: null },
      }),
    ])
    expect(summary.matching).toEqual({
      transactions: 1,
      applied: 1,
      suggested: 0,
      unmatched: 0,
      reversed: 0,
    })
    expect(await open(tenant, invoice.id)).toBe('0.00')
    const t = await transactionOf(tenant, 'EXACT-1')
    expect(t).toMatchObject({ decision: 'auto', status: 'applied', entryRef: 'EXACT-1' })
    expect(t.application?.lines).toEqual([
      expect.objectContaining({
        kind: 'payment',
        invoiceNumber: invoice.number,
        amountMinor: 121_00n,
      }),
    ])
    await tenant.run(async (ctx) => {
      expect(await balances(ctx)).toMatchObject({ bank: '121.00', receivable: '0.00' })
      const payment = await getPayment(ctx, t.application?.paymentId as string)
      expect(payment).toMatchObject({
        customerId: customer.id,
        source: 'bank',
        unallocatedMinor: 0n,
      })
      await expectReceivableEqualsOpenItems(ctx)
      expect((await verifyAuditTrail(ctx)).problems).toEqual([])
    })
  })

  test('a partial payment leaves the invoice open for the rest', async () => {
    const invoice = await tenant.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 100_00n),
    )
    await importEntries(tenant, [
      bankEntry({
        amount: '50.00',
        bankReference: 'PARTIAL-1',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    expect((await transactionOf(tenant, 'PARTIAL-1')).status).toBe('applied')
    expect(await open(tenant, invoice.id)).toBe('71.00')
  })

  test('an over-payment pays the invoice; the rest is unapplied cash on the customer', async () => {
    const { customer, invoice } = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return { customer, invoice: await arrangeOpenInvoice(ctx, customer.id, 100_00n) }
    })
    const before = await tenant.run(balances)
    await importEntries(tenant, [
      bankEntry({
        amount: '150.00',
        bankReference: 'OVER-1',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    const t = await transactionOf(tenant, 'OVER-1')
    expect(t.status).toBe('applied')
    expect(t.application).toMatchObject({ customerId: customer.id, unappliedMinor: 29_00n })
    expect(await open(tenant, invoice.id)).toBe('0.00')
    await tenant.run(async (ctx) => {
      const payment = await getPayment(ctx, t.application?.paymentId as string)
      expect(payment.unallocatedMinor).toBe(29_00n)
      const after = await balances(ctx)
      // The unapplied cash is a liability: 29.00 more on the credit side.
      expect(minor(after.unapplied_cash) - minor(before.unapplied_cash)).toBe(-29_00n)
      await expectReceivableEqualsOpenItems(ctx)
    })
  })

  test('one payment for several invoices named in the text settles each of them', async () => {
    const invoices = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx, { iban: 'NL02ABNA0123456789' })
      return [
        await arrangeOpenInvoice(ctx, customer.id, 100_00n),
        await arrangeOpenInvoice(ctx, customer.id, 200_00n),
      ]
    })
    await importEntries(tenant, [
      bankEntry({
        amount: '363.00',
        bankReference: 'MULTI-1',
        counterparty: { name: 'Someone', iban: 'NL02ABNA0123456789', bic: null },
        remittance: {
          unstructured: `Facturen ${invoices[0].number} en ${invoices[1].number}`,
          structuredReference: null,
        },
      }),
    ])
    const t = await transactionOf(tenant, 'MULTI-1')
    expect(t.status).toBe('applied')
    expect(t.application?.lines.map((l) => l.invoiceNumber).sort()).toEqual(
      invoices.map((i) => i.number).sort(),
    )
    for (const invoice of invoices) expect(await open(tenant, invoice.id)).toBe('0.00')
  })

  test('a bank fee deducted is written off to bank fees', async () => {
    const invoice = await tenant.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 1_000_00n),
    )
    const before = await tenant.run(balances)
    await importEntries(tenant, [
      bankEntry({
        amount: '1200.00',
        bankReference: 'FEE-1',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    const t = await transactionOf(tenant, 'FEE-1')
    expect(t.status).toBe('applied')
    expect(t.application?.lines.map((l) => [l.kind, l.amountMinor])).toEqual([
      ['payment', 1_200_00n],
      ['bank_fee', 10_00n],
    ])
    expect(await open(tenant, invoice.id)).toBe('0.00')
    const after = await tenant.run(balances)
    expect(minor(after.bank_fees) - minor(before.bank_fees)).toBe(10_00n)
  })

  test('an early-payment discount is written off with its VAT correction per rate', async () => {
    const invoice = await tenant.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 0n, {
        mixedVat: true,
        discount: { percent: dec('2'), days: 10 },
      }),
    )
    // 100.00 at 21% and 100.00 at 9%: 230.00; 2% discount 4.60 → 225.40 paid.
    expect(invoice.payableMinor).toBe(230_00n)
    const before = await tenant.run(balances)
    await importEntries(tenant, [
      bankEntry({
        amount: '225.40',
        bankReference: 'DISCOUNT-1',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    const t = await transactionOf(tenant, 'DISCOUNT-1')
    expect(t.status).toBe('applied')
    expect(t.application?.lines.map((l) => [l.kind, l.amountMinor])).toEqual([
      ['payment', 225_40n],
      ['discount', 4_60n],
    ])
    expect(await open(tenant, invoice.id)).toBe('0.00')
    const after = await tenant.run(balances)
    const moved = (key: string) => minor(after[key]) - minor(before[key])
    // 4.60 split as 100:21:100:9 of 230: net 4.00, VAT 21% 0.42, VAT 9% 0.18.
    expect(moved('early_payment_discount')).toBe(4_00n)
    expect(moved('vat_payable_21')).toBe(42n)
    expect(moved('vat_payable_9')).toBe(18n)
    await tenant.run(expectReceivableEqualsOpenItems)
  })

  test('a payment in another currency is applied at the tenant rate', async () => {
    const invoice = await tenant.run(async (ctx) => {
      await putExchangeRate(ctx, { currency: 'USD', validFrom: '2026-01-01', rate: dec('0.8') })
      const customer = await arrangeCashappCustomer(ctx, { currency: 'USD' })
      return arrangeOpenInvoice(ctx, customer.id, 100_00n, { currency: 'USD' })
    })
    // 121.00 USD at 0.8 EUR per USD is 96.80 EUR.
    await importEntries(tenant, [
      bankEntry({
        amount: '96.80',
        bankReference: 'FX-1',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    const t = await transactionOf(tenant, 'FX-1')
    expect(t.status).toBe('applied')
    expect(t.application).toMatchObject({ currency: 'USD', paymentMinor: 121_00n })
    expect(await tenant.run(async (ctx) => (await openAmount(ctx, invoice.id)).openMinor)).toBe(0n)
  })
}, 120_000)

describe('a remittance advice says what a payment covers', () => {
  let tenant: TestTenant
  beforeAll(async () => {
    tenant = await testTenant(platform)
  })

  test('the payment follows the advice, and the advice is used up by it', async () => {
    const iban = 'NL44RABO0123456789'
    const invoices = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx, { iban })
      return [
        await arrangeOpenInvoice(ctx, customer.id, 100_00n),
        await arrangeOpenInvoice(ctx, customer.id, 200_00n),
      ]
    })
    const { advice } = await tenant.run((ctx) =>
      receiveRemittanceAdvice(ctx, {
        payerIban: iban,
        currency: 'EUR',
        date: '2026-03-01',
        lines: [
          { invoiceNumber: invoices[0].number, amount: '121.00' },
          { invoiceNumber: invoices[1].number, amount: '100.00' },
        ],
      }),
    )
    // 221.00 is no set of the customer's open items (121.00, 242.00): only the advice explains it.
    const paid = (bankReference: string) =>
      bankEntry({
        amount: '221.00',
        bankReference,
        counterparty: { name: 'Bakkerij', iban, bic: null },
        remittance: { unstructured: 'Betaling', structuredReference: null },
      })
    await importEntries(tenant, [paid('ADVICE-1')])
    const t = await transactionOf(tenant, 'ADVICE-1')
    expect(t.status).toBe('applied')
    expect(await open(tenant, invoices[0].id)).toBe('0.00')
    expect(await open(tenant, invoices[1].id)).toBe('142.00')
    const used = await tenant.run((ctx) => getRemittanceAdvice(ctx, advice.id))
    expect(used).toMatchObject({ status: 'used', bank_entry_id: t.entryId })

    // The same amount from the same payer again: the advice explained the first one only.
    await importEntries(tenant, [paid('ADVICE-2')])
    expect((await transactionOf(tenant, 'ADVICE-2')).status).not.toBe('applied')
    expect(await open(tenant, invoices[1].id)).toBe('142.00')
  })
})

describe('debits and returns never become payments; returns undo what they return', () => {
  let tenant: TestTenant
  beforeAll(async () => {
    tenant = await testTenant(platform)
  })

  test('a returned direct debit un-applies the credit it returns: invoice open, ledger reversed', async () => {
    const invoice = await tenant.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 100_00n),
    )
    await importEntries(tenant, [
      bankEntry({
        amount: '121.00',
        bankReference: 'DD-1',
        endToEndId: 'E2E-DD-1',
        mandateId: 'MANDATE-7',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    expect(await open(tenant, invoice.id)).toBe('0.00')
    const summary = await importEntries(tenant, [
      bankEntry({
        amount: '121.00',
        sign: 'D',
        bankReference: 'RETURN-1',
        endToEndId: 'E2E-DD-1',
        mandateId: 'MANDATE-7',
        returnReason: 'AM04',
        bankTransactionCode: 'PMNT/RDDT/UPDD',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    expect(summary.matching).toMatchObject({ transactions: 1, applied: 0, reversed: 1 })
    expect(await open(tenant, invoice.id)).toBe('121.00')
    expect(await transactionOf(tenant, 'DD-1')).toMatchObject({
      status: 'returned',
      application: null,
    })
    expect(await transactionOf(tenant, 'RETURN-1')).toMatchObject({
      status: 'reversal',
      decision: 'unmatched',
    })
    await tenant.run(async (ctx) => {
      const settlements = await listSettlements(ctx, invoice.id)
      expect(settlements.map((s) => s.amountMinor)).toEqual([121_00n, -121_00n])
      expect(settlements[1].reversesSettlementId).toBe(settlements[0].id)
      expect(await balances(ctx)).toMatchObject({ bank: '0.00', receivable: '121.00' })
      await expectReceivableEqualsOpenItems(ctx)
      expect((await verifyAuditTrail(ctx)).problems).toEqual([])
    })
  })

  test('a debit with nothing to undo is unmatched and pays nothing', async () => {
    const invoice = await tenant.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 100_00n),
    )
    const summary = await importEntries(tenant, [
      bankEntry({
        amount: '121.00',
        sign: 'D',
        bankReference: 'DEBIT-1',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    expect(summary.matching).toMatchObject({ applied: 0, unmatched: 1, reversed: 0 })
    expect(await open(tenant, invoice.id)).toBe('121.00')
  })
}, 120_000)

describe('the worklist acts: apply, un-apply, re-match, learning', () => {
  let tenant: TestTenant
  beforeAll(async () => {
    tenant = await testTenant(platform)
  })

  test('two customers owe the same amount: suggested; a person applies it and teaches the IBAN', async () => {
    const [a, b] = await tenant.run(async (ctx) => {
      const a = await arrangeCashappCustomer(ctx, { legalName: 'Bakkerij Jansen B.V.' })
      const b = await arrangeCashappCustomer(ctx, { legalName: 'Drukkerij Visser B.V.' })
      return [
        { customer: a, invoice: await arrangeOpenInvoice(ctx, a.id, 300_00n) },
        { customer: b, invoice: await arrangeOpenInvoice(ctx, b.id, 300_00n) },
      ]
    })
    const payer = { name: 'J. de Groot', iban: 'NL44RABO0123456789', bic: null }
    const summary = await importEntries(tenant, [
      bankEntry({
        amount: '363.00',
        bankReference: 'AMBIGUOUS-1',
        counterparty: payer,
        remittance: { unstructured: 'betaling', structuredReference: null },
      }),
    ])
    expect(summary.matching).toMatchObject({ applied: 0, suggested: 1 })
    const t = await transactionOf(tenant, 'AMBIGUOUS-1')
    expect(t.candidates.length).toBeGreaterThanOrEqual(2)
    expect(t.candidates[0].reasons.length).toBeGreaterThan(0)

    const applied = await tenant.run((ctx) =>
      applyCandidate(ctx, t.entryId, {
        customerId: b.customer.id,
        allocations: [{ invoiceId: b.invoice.id, amountMinor: 363_00n }],
      }),
    )
    expect(applied).toMatchObject({ appliedBy: 'person', customerId: b.customer.id })
    expect(await open(tenant, b.invoice.id)).toBe('0.00')
    expect(await open(tenant, a.invoice.id)).toBe('363.00')
    // Taught: the next payment from that IBAN of an amount only B owes is applied by itself.
    const next = await tenant.run(async (ctx) => arrangeOpenInvoice(ctx, b.customer.id, 50_00n))
    const again = await importEntries(tenant, [
      bankEntry({
        amount: '60.50',
        bankReference: 'LEARNED-1',
        counterparty: payer,
        remittance: { unstructured: 'betaling', structuredReference: null },
      }),
    ])
    expect(again.matching).toMatchObject({ applied: 1 })
    expect(await open(tenant, next.id)).toBe('0.00')
  })

  test('un-applying reverses settlements, payment and ledger; re-matching applies it again', async () => {
    const invoice = await tenant.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 100_00n),
    )
    await importEntries(tenant, [
      bankEntry({
        amount: '121.00',
        bankReference: 'UNDO-1',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ])
    const t = await transactionOf(tenant, 'UNDO-1')
    const paymentId = t.application?.paymentId as string
    const before = await tenant.run(balances)
    await tenant.run((ctx) => unapplyEntry(ctx, t.entryId, 'wrong customer'))
    expect(await open(tenant, invoice.id)).toBe('121.00')
    expect(await transactionOf(tenant, 'UNDO-1')).toMatchObject({
      status: 'suggested',
      application: null,
    })
    await tenant.run(async (ctx) => {
      const settlements = await listSettlements(ctx, invoice.id)
      expect(settlements.at(-1)).toMatchObject({
        amountMinor: -121_00n,
        reversesSettlementId: settlements[0].id,
      })
      expect((await getPayment(ctx, paymentId)).unallocatedMinor).toBe(0n)
      const after = await balances(ctx)
      expect(minor(after.bank) - minor(before.bank)).toBe(-121_00n)
      await expectReceivableEqualsOpenItems(ctx)
    })
    await expect(tenant.run((ctx) => unapplyEntry(ctx, t.entryId, 'again'))).rejects.toMatchObject({
      code: 'cashapp.nothing_applied',
    })

    const counts = await tenant.run((ctx) => rematchEntries(ctx, [t.entryId]))
    expect(counts).toMatchObject({ transactions: 1, applied: 1 })
    expect(await open(tenant, invoice.id)).toBe('0.00')
  })

  test('a stored candidate is accepted by its rank', async () => {
    const [a, b] = await tenant.run(async (ctx) => {
      const a = await arrangeCashappCustomer(ctx, { legalName: 'Transport Bakker B.V.' })
      const b = await arrangeCashappCustomer(ctx, { legalName: 'Garage Smit B.V.' })
      return [
        await arrangeOpenInvoice(ctx, a.id, 700_00n),
        await arrangeOpenInvoice(ctx, b.id, 700_00n),
      ]
    })
    await importEntries(tenant, [
      bankEntry({
        amount: '847.00',
        bankReference: 'RANK-1',
        counterparty: { name: 'Onbekend', iban: null, bic: null },
        remittance: { unstructured: 'zie factuur', structuredReference: null },
      }),
    ])
    const t = await transactionOf(tenant, 'RANK-1')
    expect(t.status).toBe('suggested')
    const first = t.candidates[0]
    await tenant.run((ctx) => applyCandidate(ctx, t.entryId, { rank: 1 }))
    const invoice = first.allocations[0].invoiceId
    expect([a.id, b.id]).toContain(invoice)
    expect(await open(tenant, invoice)).toBe('0.00')
    await expect(
      tenant.run((ctx) => applyCandidate(ctx, t.entryId, { rank: 1 })),
    ).rejects.toMatchObject({ code: 'cashapp.transaction_not_open' })
  })

  test('a candidate given from outside must pay what the bank transaction paid', async () => {
    const { customer, invoice } = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return { customer, invoice: await arrangeOpenInvoice(ctx, customer.id, 100_00n) }
    })
    await importEntries(tenant, [
      bankEntry({
        amount: '20.00',
        bankReference: 'OUTSIDE-1',
        counterparty: { name: 'Onbekend', iban: null, bic: null },
        remittance: { unstructured: 'x', structuredReference: null },
      }),
    ])
    const t = await transactionOf(tenant, 'OUTSIDE-1')
    const candidate = {
      customerId: customer.id,
      currency: 'EUR',
      paymentMinor: 121_00n,
      allocations: [{ invoiceId: invoice.id, amountMinor: 121_00n }],
      unappliedMinor: 0n,
      writeOffs: [],
      confidence: 1,
      reasons: ['made up'],
    }
    await expect(
      tenant.run((ctx) => applyCandidate(ctx, t.entryId, { candidate })),
    ).rejects.toMatchObject({ code: 'cashapp.allocation_refused' })
    expect(await open(tenant, invoice.id)).toBe('121.00')
  })

  test('a manual allocation above what is open is refused and writes nothing', async () => {
    const { customer, invoice } = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return { customer, invoice: await arrangeOpenInvoice(ctx, customer.id, 10_00n) }
    })
    await importEntries(tenant, [
      bankEntry({
        amount: '500.00',
        bankReference: 'REFUSE-1',
        counterparty: { name: 'Onbekend', iban: null, bic: null },
        remittance: { unstructured: 'x', structuredReference: null },
      }),
    ])
    const t = await transactionOf(tenant, 'REFUSE-1')
    const error = await tenant
      .run((ctx) =>
        applyCandidate(ctx, t.entryId, {
          customerId: customer.id,
          allocations: [{ invoiceId: invoice.id, amountMinor: 500_00n }],
        }),
      )
      .catch((e) => e)
    expect(error).toBeInstanceOf(DomainError)
    expect(error.code).toBe('cashapp.allocation_refused')
    expect((await transactionOf(tenant, 'REFUSE-1')).status).not.toBe('applied')
    expect(await open(tenant, invoice.id)).toBe('12.10')
  })
}, 120_000)

describe('a batch entry is applied part by part', () => {
  test('two payments booked as one entry (camt TxDtls) settle their own invoices', async () => {
    const tenant = await testTenant(platform)
    const [one, two] = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return [
        await arrangeOpenInvoice(ctx, customer.id, 100_00n),
        await arrangeOpenInvoice(ctx, customer.id, 200_00n),
      ]
    })
    const part = (amount: string, reference: string, endToEndId: string) => ({
      amount,
      currency: 'EUR',
      sign: 'C' as const,
      bankReference: null,
      endToEndId,
      mandateId: null,
      counterparty: { name: 'Payer', iban: null, bic: null },
      remittance: { unstructured: null, structuredReference: reference },
      returnReason: null,
      bankTransactionCode: null,
    })
    const summary = await importEntries(tenant, [
      bankEntry({
        amount: '363.00',
        bankReference: 'BATCH-1',
        details: [
          part('121.00', one.paymentReference, 'E2E-B1'),
          part('242.00', two.paymentReference, 'E2E-B2'),
        ],
      }),
    ])
    expect(summary.matching).toMatchObject({ transactions: 2, applied: 2 })
    expect(await open(tenant, one.id)).toBe('0.00')
    expect(await open(tenant, two.id)).toBe('0.00')
    const transactions = await tenant.run(async (ctx) => {
      const entry = await ctx.db
        .selectFrom('bankEntry')
        .select(['id', 'status'])
        .where('bankReference', '=', 'BATCH-1')
        .executeTakeFirstOrThrow()
      expect(entry.status).toBe('applied')
      return getEntryTransactions(ctx, entry.id)
    })
    expect(transactions.map((t) => [t.transactionIndex, t.status, t.entryRef])).toEqual([
      [0, 'applied', 'BATCH-1'],
      [1, 'applied', 'BATCH-1'],
    ])
  })
}, 60_000)

describe('a statement is applied chunk by chunk', () => {
  test('a second payment of an invoice settled earlier in the run becomes a suggestion', async () => {
    const tenant = await testTenant(platform)
    const invoices = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return [
        await arrangeOpenInvoice(ctx, customer.id, 100_00n),
        await arrangeOpenInvoice(ctx, customer.id, 200_00n),
        await arrangeOpenInvoice(ctx, customer.id, 300_00n),
      ]
    })
    const pay = (reference: string, invoice: (typeof invoices)[number], amount: string) =>
      bankEntry({
        amount,
        bankReference: reference,
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      })
    const summary = await tenant.run((ctx) =>
      importAndApplyStatements(
        ctx,
        eventStream(
          statementEvents({
            entries: [
              pay('CHUNK-1', invoices[0], '121.00'),
              pay('CHUNK-2', invoices[1], '242.00'),
              pay('CHUNK-3', invoices[2], '100.00'),
              pay('CHUNK-4', invoices[0], '121.00'),
              pay('CHUNK-5', invoices[2], '263.00'),
            ],
          }),
        ),
        { fileName: 'chunks.xml', entriesPerChunk: 2 },
      ),
    )
    expect(summary.matching).toMatchObject({ transactions: 5, applied: 4, suggested: 1 })
    const twice = await transactionOf(tenant, 'CHUNK-4')
    expect(twice.status).toBe('suggested')
    expect(twice.notes.join(' ')).toContain('open now')
    for (const invoice of invoices) expect(await open(tenant, invoice.id)).toBe('0.00')
    await tenant.run(expectReceivableEqualsOpenItems)
  })
}, 60_000)

describe('repeating is harmless, and a failure leaves nothing', () => {
  test('re-importing the same statement applies nothing twice', async () => {
    const tenant = await testTenant(platform)
    const invoice = await tenant.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 100_00n),
    )
    const entries = [
      bankEntry({
        amount: '50.00',
        bankReference: 'TWICE-1',
        remittance: { unstructured: null, structuredReference: invoice.paymentReference },
      }),
    ]
    const first = await importEntries(tenant, entries, 'STMT-TWICE')
    const second = await importEntries(tenant, entries, 'STMT-TWICE')
    expect(first.matching.applied).toBe(1)
    expect(second.matching).toMatchObject({ transactions: 0, applied: 0 })
    expect(await open(tenant, invoice.id)).toBe('71.00')
  })

  test('a failure after applying takes everything back', async () => {
    const tenant = await testTenant(platform)
    const invoice = await tenant.run(async (ctx) =>
      arrangeOpenInvoice(ctx, (await arrangeCashappCustomer(ctx)).id, 100_00n),
    )
    await expect(
      tenant.run(async (ctx) => {
        await importAndApplyStatements(
          ctx,
          eventStream(
            statementEvents({
              entries: [
                bankEntry({
                  amount: '121.00',
                  remittance: { unstructured: null, structuredReference: invoice.paymentReference },
                }),
              ],
            }),
          ),
          { fileName: 'a.xml' },
        )
        expect((await openAmount(ctx, invoice.id)).openMinor).toBe(0n)
        throw new Error('the next file was refused')
      }),
    ).rejects.toThrow('the next file was refused')
    expect(await open(tenant, invoice.id)).toBe('121.00')
    await tenant.run(async (ctx) => {
      for (const table of ['bank_transaction', 'cash_application', 'payment', 'journal_entry']) {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
          where tenant_id = ${ctx.tenantId}`.execute(ctx.db)
        // The invoice's own issue entry is the only journal entry.
        expect(rows[0].n, table).toBe(table === 'journal_entry' ? 1 : 0)
      }
      expect((await trialBalance(ctx)).rows.length).toBeGreaterThan(0)
    })
  })
}, 120_000)

describe('the export gives, per bank transaction, the status and the allocations', () => {
  test('json and csv, filtered by statement', async () => {
    const tenant = await testTenant(platform)
    const [one, two] = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      return [
        await arrangeOpenInvoice(ctx, customer.id, 100_00n),
        await arrangeOpenInvoice(ctx, customer.id, 200_00n),
      ]
    })
    const summary = await importEntries(tenant, [
      bankEntry({
        amount: '121.00',
        bankReference: 'EXP-AUTO',
        remittance: { unstructured: null, structuredReference: one.paymentReference },
      }),
      bankEntry({
        amount: '10.00',
        sign: 'D',
        bankReference: 'EXP-DEBIT',
        remittance: { unstructured: 'kosten', structuredReference: null },
      }),
      bankEntry({
        amount: '100.00',
        bankReference: 'EXP-PART',
        remittance: { unstructured: `factuur ${two.number}`, structuredReference: null },
        counterparty: { name: 'Onbekend', iban: null, bic: null },
      }),
    ])
    const statementId = summary.perStatement[0].statementId
    const exported = async (format: 'json' | 'csv', filter = { statementId }) => {
      let text = ''
      await tenant.run((ctx) =>
        exportCashApplication(ctx, filter, format, (t) => {
          text += t
        }),
      )
      return text
    }
    const rows = JSON.parse(await exported('json')) as ExportedTransaction[]
    const byRef = Object.fromEntries(rows.map((r) => [r.entry_ref, r]))
    expect(byRef['EXP-AUTO']).toEqual({
      entry_ref: 'EXP-AUTO',
      status: 'auto',
      allocations: [{ invoice_number: one.number, amount: '121.00' }],
    })
    expect(byRef['EXP-DEBIT']).toEqual({
      entry_ref: 'EXP-DEBIT',
      status: 'unmatched',
      allocations: [],
    })
    expect(rows).toHaveLength(3)
    const csv = (await exported('csv')).trim().split('\r\n')
    expect(csv[0]).toBe('entry_ref,status,invoice_number,amount')
    expect(csv).toContain(`EXP-AUTO,auto,${one.number},121.00`)
    expect(csv).toContain('EXP-DEBIT,unmatched,,')
    // Another statement's filter finds none of these.
    const none = JSON.parse(
      await exported('json', { statementId: '01900000-0000-7000-8000-000000000000' }),
    )
    expect(none).toEqual([])
  })
}, 60_000)
