import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testTenant,
} from '../../../test/support.js'
import { DomainError } from '../../core/errors.js'
import type { Ctx } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import {
  type CreditRequest,
  creditedQuantities,
  creditInvoice,
  creditNotesOf,
} from './credit-notes.js'
import {
  createInvoiceDraft,
  getInvoice,
  type Invoice,
  invoiceTimeline,
  issueInvoice,
  loadInvoiceDocument,
  openAmount,
  settleInvoice,
} from './index.js'
import { arrangeBillingSettings, arrangeCustomer, dec, line, manualDraft } from './test-helpers.js'

// Crediting issued invoices: in full, by line, by amount; and every refusal writes nothing.

let platform: Platform
let acme: TestTenant
let other: TestTenant

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-03-02T09:00:00Z'))
  acme = await testTenant(platform)
  other = await testTenant(platform)
  await acme.run((ctx) => arrangeBillingSettings(ctx))
  await other.run((ctx) => arrangeBillingSettings(ctx))
})

/** An issued invoice: 4 × 18.95 flour at 9 % and 1 × 12.50 delivery at 21 % = 97.75 incl. VAT. */
async function issuedInvoice(ctx: Ctx, customerId?: string): Promise<Invoice> {
  const customer = customerId ?? (await arrangeCustomer(ctx)).id
  const draft = await createInvoiceDraft(
    ctx,
    manualDraft(customer, [
      line('FLOUR', '4', 1895n, 'S', '9'),
      line('DELIVERY', '1', 1250n, 'S', '21'),
    ]),
  )
  return issueInvoice(ctx, draft.id)
}

const reason = 'Two bags arrived torn'

/** The rows a refused credit must not have added. */
async function writtenRows(ctx: Ctx) {
  const count = (table: 'invoice' | 'invoiceSettlement' | 'invoiceLine' | 'auditEvent') =>
    rowCount(ctx, table)
  return {
    invoices: await count('invoice'),
    settlements: await count('invoiceSettlement'),
    lines: await count('invoiceLine'),
    audit: await count('auditEvent'),
  }
}

/** Runs a credit that must be refused with `code`; proves that it wrote nothing. */
async function expectRefused(
  tenant: TestTenant,
  invoiceId: string,
  request: CreditRequest,
  code: string,
): Promise<DomainError> {
  const before = await tenant.run(writtenRows)
  const error = await tenant
    .run((ctx) => creditInvoice(ctx, invoiceId, request))
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  expect(error).toBeInstanceOf(DomainError)
  expect((error as DomainError).code).toBe(code)
  expect(await tenant.run(writtenRows)).toEqual(before)
  return error as DomainError
}

describe('a full credit note', () => {
  test('takes back the whole invoice, refers to it and settles it', async () => {
    const { invoice, note, open, timeline, document, credited } = await acme.run(async (ctx) => {
      const invoice = await issuedInvoice(ctx)
      const note = await creditInvoice(ctx, invoice.id, { kind: 'full', reason })
      return {
        invoice,
        note,
        open: await openAmount(ctx, invoice.id),
        timeline: await invoiceTimeline(ctx, invoice.id),
        document: await loadInvoiceDocument(ctx, note.id),
        credited: await creditedQuantities(ctx, invoice.id),
      }
    })
    expect(note).toMatchObject({
      documentType: 'credit_note',
      status: 'issued',
      correctsInvoiceId: invoice.id,
      note: reason,
    })
    expect(note.number).toMatch(/^CN-2026-\d{5}$/)
    expect(note.totals).toEqual(invoice.totals)
    expect(note.vatBreakdown.map((r) => [r.category, r.taxableMinor, r.vatMinor])).toEqual(
      invoice.vatBreakdown.map((r) => [r.category, r.taxableMinor, r.vatMinor]),
    )
    expect(open.openMinor).toBe(0n)
    expect(timeline.map((s) => s.step)).toEqual(['issued', 'credited'])
    expect(document.precedingInvoice).toEqual({
      number: invoice.number,
      issueDate: invoice.issueDate,
    })
    expect(document.note).toBe(reason)
    expect([...credited.entries()]).toEqual([
      [1, dec('4')],
      [2, dec('1')],
    ])
  })

  test('is refused once part of the invoice was paid, naming what is open', async () => {
    const invoice = await acme.run(async (ctx) => {
      const invoice = await issuedInvoice(ctx)
      await settleInvoice(ctx, {
        invoiceId: invoice.id,
        kind: 'payment',
        amountMinor: 5000n,
        currency: 'EUR',
        source: { type: 'payment_allocation', id: `pay-${invoice.id}` },
      })
      return invoice
    })
    const error = await expectRefused(
      acme,
      invoice.id,
      { kind: 'full', reason },
      'invoicing.credit_full_not_open',
    )
    expect(error.message).toBe(
      `Only 47.75 EUR of 97.75 is open on invoice ${invoice.number}: credit by line or by amount (at most 47.75)`,
    )
  })
})

describe('a credit note by line', () => {
  test('credits quantities up to what is left of each line', async () => {
    const invoice = await acme.run((ctx) => issuedInvoice(ctx))
    const first = await acme.run((ctx) =>
      creditInvoice(ctx, invoice.id, {
        kind: 'lines',
        lines: [{ lineNumber: 1, quantity: dec('2') }],
        reason,
      }),
    )
    // 2 × 18.95 = 37.90 net, 9 % VAT 3.41: 41.31.
    expect(first.lines).toMatchObject([{ itemCode: 'FLOUR', netMinor: 3790n, vatCategory: 'S' }])
    expect(first.totals.payableMinor).toBe(4131n)

    const error = await expectRefused(
      acme,
      invoice.id,
      { kind: 'lines', lines: [{ lineNumber: 1, quantity: dec('2.5') }], reason },
      'invoicing.credit_quantity_exceeds_left',
    )
    expect(error.message).toBe(
      'lines[0].quantity: 2.5 is more than the 2 left to credit on line 1 (invoiced 4, credited 2)',
    )
    await expectRefused(
      acme,
      invoice.id,
      { kind: 'lines', lines: [{ lineNumber: 3, quantity: dec('1') }], reason },
      'invoicing.credit_quantity_exceeds_left',
    )

    const second = await acme.run((ctx) =>
      creditInvoice(ctx, invoice.id, {
        kind: 'lines',
        lines: [
          { lineNumber: 1, quantity: dec('2') },
          { lineNumber: 2, quantity: dec('1') },
        ],
        reason,
      }),
    )
    expect(second.totals.payableMinor).toBe(4131n + 1513n)
    const { open, notes, credited } = await acme.run(async (ctx) => ({
      open: await openAmount(ctx, invoice.id),
      notes: await creditNotesOf(ctx, invoice.id),
      credited: await creditedQuantities(ctx, invoice.id),
    }))
    expect(open.openMinor).toBe(9775n - 4131n - 5644n)
    expect(notes.map((n) => n.id)).toEqual([first.id, second.id])
    expect(credited.get(1)).toEqual(dec('4'))
  })

  test('counts a draft credit note as taking its quantities', async () => {
    const invoice = await acme.run((ctx) => issuedInvoice(ctx))
    const draft = await acme.run((ctx) =>
      creditInvoice(ctx, invoice.id, {
        kind: 'lines',
        lines: [{ lineNumber: 2, quantity: dec('1') }],
        reason,
        issue: false,
      }),
    )
    expect(draft.status).toBe('draft')
    expect(await acme.run((ctx) => openAmount(ctx, invoice.id))).toMatchObject({
      openMinor: 9775n,
    })
    await expectRefused(
      acme,
      invoice.id,
      { kind: 'lines', lines: [{ lineNumber: 2, quantity: dec('1') }], reason },
      'invoicing.credit_quantity_exceeds_left',
    )
    await expectRefused(
      acme,
      invoice.id,
      { kind: 'full', reason },
      'invoicing.credit_full_not_open',
    )
    const issued = await acme.run((ctx) => issueInvoice(ctx, draft.id))
    expect(issued.status).toBe('issued')
    expect(await acme.run((ctx) => openAmount(ctx, invoice.id))).toMatchObject({
      openMinor: 9775n - 1513n,
    })
  })
})

describe('a credit note for an amount', () => {
  test('splits the amount over the VAT rates in proportion, its total exactly the amount', async () => {
    const { invoice, note, open } = await acme.run(async (ctx) => {
      const invoice = await issuedInvoice(ctx)
      const note = await creditInvoice(ctx, invoice.id, {
        kind: 'amount',
        amountMinor: 1250n,
        reason: 'Late delivery',
      })
      return { invoice, note, open: await openAmount(ctx, invoice.id) }
    })
    // 82.62 at 9 % and 15.13 at 21 % on the invoice: 12.50 is 10.57 + 1.93 of those. 10.57 =
    // 9.70 + 0.87 by the VAT rule; 1.93 has no such net (1.59 → 1.92, 1.60 → 1.94), so its
    // VAT is 1.93 − 1.60 = 0.33, a cent from 1.60 × 21 %.
    expect(note.vatBreakdown.map((r) => [r.category, r.rate, r.taxableMinor, r.vatMinor])).toEqual([
      ['S', dec('9'), 970n, 87n],
      ['S', dec('21'), 160n, 33n],
    ])
    expect(note.totals.payableMinor).toBe(1250n)
    expect(note.lines.every((l) => l.itemCode === 'CREDIT' && l.description === 'Late delivery'))
    expect(open.openMinor).toBe(invoice.totals.payableMinor - 1250n)
  })

  test('keeps the exact amount where no net gives it by the VAT rule (121.03 at 21 %)', async () => {
    const note = await acme.run(async (ctx) => {
      const customer = await arrangeCustomer(ctx)
      const draft = await createInvoiceDraft(
        ctx,
        manualDraft(customer.id, [line('CONSULT', '10', 10_000n, 'S', '21')]),
      )
      const invoice = await issueInvoice(ctx, draft.id)
      return creditInvoice(ctx, invoice.id, { kind: 'amount', amountMinor: 12_103n, reason })
    })
    expect(note.totals).toMatchObject({
      taxExclusiveMinor: 10_002n,
      vatMinor: 2_101n,
      payableMinor: 12_103n,
    })
  })

  test('never makes a credit note above what is open, and each total is the amount asked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 1n, max: 6_000n }), { minLength: 1, maxLength: 5 }),
        async (amounts) => {
          const invoice = await acme.run((ctx) => issuedInvoice(ctx))
          let open = invoice.totals.payableMinor
          for (const amountMinor of amounts) {
            const request: CreditRequest = { kind: 'amount', amountMinor, reason }
            if (amountMinor > open) {
              await expectRefused(acme, invoice.id, request, 'invoicing.credit_exceeds_open')
              continue
            }
            const note = await acme.run((ctx) => creditInvoice(ctx, invoice.id, request))
            expect(note.totals.payableMinor).toBe(amountMinor)
            open -= amountMinor
            expect((await acme.run((ctx) => openAmount(ctx, invoice.id))).openMinor).toBe(open)
          }
        },
      ),
      { numRuns: 8 },
    )
  }, 120_000)
})

describe('two clerks at once', () => {
  test('cannot together credit more than is open (the invoice is locked first)', async () => {
    const invoice = await acme.run((ctx) => issuedInvoice(ctx))
    const request: CreditRequest = { kind: 'amount', amountMinor: 6_000n, reason }
    const outcomes = await Promise.allSettled([
      acme.run((ctx) => creditInvoice(ctx, invoice.id, request)),
      acme.run((ctx) => creditInvoice(ctx, invoice.id, request)),
    ])
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected'])
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult
    expect((refused.reason as DomainError).code).toBe('invoicing.credit_exceeds_open')
    expect((await acme.run((ctx) => openAmount(ctx, invoice.id))).openMinor).toBe(3_775n)
  })
})

describe('refusals, with nothing written', () => {
  test.each`
    case                        | request                                                                      | code
    ${'an amount of zero'}      | ${{ kind: 'amount', amountMinor: 0n, reason }}                               | ${'request.invalid'}
    ${'a negative amount'}      | ${{ kind: 'amount', amountMinor: -100n, reason }}                            | ${'request.invalid'}
    ${'no reason'}              | ${{ kind: 'amount', amountMinor: 100n, reason: '  ' }}                       | ${'request.invalid'}
    ${'more than is open'}      | ${{ kind: 'amount', amountMinor: 9776n, reason }}                            | ${'invoicing.credit_exceeds_open'}
    ${'a quantity of zero'}     | ${{ kind: 'lines', lines: [{ lineNumber: 1, quantity: dec('0') }], reason }} | ${'request.invalid'}
    ${'more than was invoiced'} | ${{ kind: 'lines', lines: [{ lineNumber: 1, quantity: dec('5') }], reason }} | ${'invoicing.credit_quantity_exceeds_left'}
  `('$case', async ({ request, code }) => {
    const invoice = await acme.run((ctx) => issuedInvoice(ctx))
    await expectRefused(acme, invoice.id, request, code)
  })

  test('a draft invoice, a credit note, another customer and another tenant', async () => {
    const { draft, invoice, note, stranger } = await acme.run(async (ctx) => {
      const customer = await arrangeCustomer(ctx)
      const draft = await createInvoiceDraft(
        ctx,
        manualDraft(customer.id, [line('FLOUR', '1', 1895n, 'S', '9')]),
      )
      const invoice = await issuedInvoice(ctx)
      const note = await creditInvoice(ctx, invoice.id, {
        kind: 'amount',
        amountMinor: 100n,
        reason,
      })
      return { draft, invoice, note, stranger: await arrangeCustomer(ctx) }
    })
    const amount: CreditRequest = { kind: 'amount', amountMinor: 100n, reason }
    await expectRefused(acme, draft.id, amount, 'invoicing.credit_of_draft')
    await expectRefused(acme, note.id, amount, 'invoicing.credit_of_credit_note')
    await expectRefused(
      acme,
      invoice.id,
      { ...amount, customerId: stranger.id },
      'invoicing.credit_customer_mismatch',
    )
    const error = await expectRefused(other, invoice.id, amount, 'request.not_found')
    expect(error.status).toBe(404)
    expect((await acme.run((ctx) => getInvoice(ctx, invoice.id))).openMinor).toBe(9775n - 100n)
  })
})
