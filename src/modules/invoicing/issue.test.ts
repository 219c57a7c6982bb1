import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { testStoreKind } from '../../../test/stores.js'
import {
  manualClock,
  rowCount,
  type TestTenant,
  testPlatform,
  testTenant,
} from '../../../test/support.js'
import {
  isValidBelgianStructuredCommunication,
  isValidDutchPaymentReference,
  isValidRfReference,
} from '../../core/payment-reference.js'
import type { Ctx } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import {
  createInvoiceDraft,
  deleteInvoiceDraft,
  getInvoice,
  type Invoice,
  type InvoiceDraftInput,
  invoiceTimeline,
  issueInvoice,
  listOpenItems,
  loadInvoiceDocument,
  putExchangeRate,
  updateInvoiceDraft,
} from './index.js'
import {
  arrangeBillingSettings,
  arrangeCustomer,
  belgianBuyer,
  dec,
  line,
  manualDraft,
} from './test-helpers.js'

// Issuing invoices and credit notes on a real store: the amounts EN 16931 prescribes, due
// dates on the business calendar, the journal entry, the snapshots, and the refusals that
// leave nothing behind. The clock stands on Monday 2 March 2026.

let platform: Platform
let acme: TestTenant

beforeAll(async () => {
  platform = await testPlatform(manualClock('2026-03-02T09:00:00Z'))
  acme = await testTenant(platform)
  await acme.run((ctx) => arrangeBillingSettings(ctx))
})

/** Drafts and issues in one transaction, as POST /v1/invoices with "issue": true does. */
async function issued(
  tenant: TestTenant,
  draft: (customerId: string) => InvoiceDraftInput,
  options: { customer?: Parameters<typeof arrangeCustomer>[1]; issueDate?: string } = {},
): Promise<Invoice> {
  return tenant.run(async (ctx) => {
    const customer = await arrangeCustomer(ctx, options.customer)
    const made = await createInvoiceDraft(ctx, draft(customer.id))
    return issueInvoice(ctx, made.id, { issueDate: options.issueDate })
  })
}

/** The journal lines posted for a document, by account purpose. */
async function postings(ctx: Ctx, invoiceId: string) {
  const rows = await ctx.db
    .selectFrom('journalLine as l')
    .innerJoin('journalEntry as e', 'e.id', 'l.entryId')
    .innerJoin('account as a', 'a.code', 'l.accountCode')
    .select(['a.purpose', 'l.debitMinor', 'l.creditMinor', 'l.customerId', 'l.currency'])
    .where('e.sourceType', '=', 'invoice')
    .where('e.sourceId', '=', invoiceId)
    .orderBy('l.lineNo')
    .execute()
  return rows.map((r) => ({
    purpose: r.purpose,
    debit: r.debitMinor,
    credit: r.creditMinor,
    customer: r.customerId,
  }))
}

async function counts(ctx: Ctx) {
  const count = (table: 'invoice' | 'invoiceLine' | 'invoiceVat' | 'journalEntry') =>
    rowCount(ctx, table)
  return {
    invoices: await count('invoice'),
    lines: await count('invoiceLine'),
    vat: await count('invoiceVat'),
    entries: await count('journalEntry'),
    series: (
      await ctx.db.selectFrom('invoiceNumberSeries').select(['series', 'lastNumber']).execute()
    ).map((s) => `${s.series}:${s.lastNumber}`),
  }
}

describe('the amounts of an issued invoice', () => {
  test('21% and 9% on one invoice: VAT per rate, rounded once, line discount included', async () => {
    const invoice = await issued(acme, (customerId) =>
      manualDraft(customerId, [
        line('FLOUR-25', '4', 1895n, 'S', '9'),
        line('YEAST-1', '2.5', 340n, 'S', '9', { discountPercent: dec('5') }),
        line('DELIVERY', '1', 1250n, 'S', '21'),
      ]),
    )
    // 2.5 × 3.40 less 5% = 8.075 → 8.08 (half away from zero); 9% of 83.88 = 7.5492 → 7.55.
    expect(invoice.lines.map((l) => l.netMinor)).toEqual([7580n, 808n, 1250n])
    expect(
      invoice.vatBreakdown.map((v) => [v.category, v.rate, v.taxableMinor, v.vatMinor]),
    ).toEqual([
      ['S', dec('9'), 8388n, 755n],
      ['S', dec('21'), 1250n, 263n],
    ])
    expect(invoice.totals).toEqual({
      lineNetMinor: 9638n,
      allowancesMinor: 0n,
      chargesMinor: 0n,
      taxExclusiveMinor: 9638n,
      vatMinor: 1018n,
      taxInclusiveMinor: 10656n,
      prepaidMinor: 0n,
      payableMinor: 10656n,
    })
    expect(invoice.openMinor).toBe(10656n)
  })

  test('document allowances and charges change the taxable amount; prepaid lowers what is due', async () => {
    const invoice = await issued(acme, (customerId) =>
      manualDraft(customerId, [line('CRATE', '10', 1000n, 'S', '21')], {
        allowancesCharges: [
          {
            isCharge: false,
            reason: 'Volume discount',
            reasonCode: '95',
            amountMinor: 500n,
            vatCategory: 'S',
            vatRate: dec('21'),
          },
          {
            isCharge: true,
            reason: 'Freight',
            reasonCode: 'FC',
            amountMinor: 750n,
            vatCategory: 'S',
            vatRate: dec('21'),
          },
        ],
        prepaidMinor: 2403n,
      }),
    )
    // 100.00 − 5.00 + 7.50 = 102.50; 21% = 21.525 → 21.53; 124.03 − 24.03 prepaid = 100.00.
    expect(invoice.totals).toMatchObject({
      lineNetMinor: 10000n,
      allowancesMinor: 500n,
      chargesMinor: 750n,
      taxExclusiveMinor: 10250n,
      vatMinor: 2153n,
      taxInclusiveMinor: 12403n,
      prepaidMinor: 2403n,
      payableMinor: 10000n,
    })
    expect(invoice.openMinor).toBe(10000n)
  })

  test.each`
    category | extra                             | customer           | code
    ${'Z'}   | ${{}}                             | ${{}}              | ${undefined}
    ${'E'}   | ${{}}                             | ${{}}              | ${'VATEX-EU-132'}
    ${'AE'}  | ${{}}                             | ${belgianBuyer}    | ${'VATEX-EU-AE'}
    ${'K'}   | ${{ deliveryDate: '2026-02-27' }} | ${belgianBuyer}    | ${'VATEX-EU-IC'}
    ${'G'}   | ${{}}                             | ${{}}              | ${'VATEX-EU-G'}
    ${'O'}   | ${{}}                             | ${{ vatId: null }} | ${'VATEX-EU-O'}
  `(
    'category $category: no VAT, exemption code $code',
    async ({ category, extra, customer, code }) => {
      const invoice = await issued(
        acme,
        (customerId) => manualDraft(customerId, [line('ITEM', '3', 1999n, category, '0')], extra),
        { customer },
      )
      expect(invoice.vatBreakdown).toEqual([
        expect.objectContaining({ category, taxableMinor: 5997n, vatMinor: 0n }),
      ])
      expect(invoice.vatBreakdown[0]?.exemptionReasonCode).toBe(code)
      expect(invoice.totals.payableMinor).toBe(5997n)
      const document = await acme.run((ctx) => loadInvoiceDocument(ctx, invoice.id))
      if (category === 'K') expect(document.delivery).toEqual({ date: '2026-02-27', country: 'BE' })
      // BR-O-02: neither party's VAT id on an invoice outside the scope of VAT.
      if (category === 'O') expect(document.seller.vatId).toBeUndefined()
      else expect(document.seller.vatId).toBe('NL004495445B01')
    },
  )

  test('an exemption reason given on the draft replaces the default text', async () => {
    const invoice = await issued(acme, (customerId) =>
      manualDraft(customerId, [line('COURSE', '1', 50000n, 'E', '0')], {
        exemptions: {
          E: { code: 'VATEX-EU-132-1I', reason: 'Onderwijs, art. 11 lid 1 sub o Wet OB' },
        },
      }),
    )
    expect(invoice.vatBreakdown[0]).toMatchObject({
      exemptionReasonCode: 'VATEX-EU-132-1I',
      exemptionReason: 'Onderwijs, art. 11 lid 1 sub o Wet OB',
    })
  })

  test('a USD invoice carries its VAT in euros at the rate of its issue date', async () => {
    const tenant = await testTenant(platform)
    await tenant.run((ctx) => arrangeBillingSettings(ctx))
    const draftId = await tenant.run(async (ctx) => {
      const customer = await arrangeCustomer(ctx)
      await putExchangeRate(ctx, { currency: 'USD', validFrom: '2026-03-10', rate: dec('0.9') })
      return (
        await createInvoiceDraft(
          ctx,
          manualDraft(customer.id, [line('LICENCE', '1', 10000n, 'S', '21')], { currency: 'USD' }),
        )
      ).id
    })
    // Only a rate from 10 March: none on the issue date of 2 March.
    await expect(tenant.run((ctx) => issueInvoice(ctx, draftId))).rejects.toMatchObject({
      code: 'invoicing.exchange_rate_missing',
    })
    await tenant.run((ctx) =>
      putExchangeRate(ctx, { currency: 'USD', validFrom: '2026-03-01', rate: dec('0.9234') }),
    )
    const invoice = await tenant.run((ctx) => issueInvoice(ctx, draftId))
    // 21.00 USD × 0.9234 = 19.3914 → 19.39 EUR.
    expect(invoice.currency).toBe('USD')
    expect(invoice.totals.vatMinor).toBe(2100n)
    expect(invoice.accountingCurrency).toEqual({
      currency: 'EUR',
      rate: dec('0.9234'),
      vatMinor: 1939n,
    })
    // The refused attempt took no number: the first issued invoice of the tenant is 1.
    expect(invoice.number).toBe('INV-2026-00001')
  })
})

describe('payment terms on the business calendar', () => {
  test.each`
    issueDate       | netDays | calendar  | extra             | due             | why
    ${'2026-03-02'} | ${30}   | ${'nl'}   | ${[]}             | ${'2026-04-01'} | ${'a Wednesday'}
    ${'2026-03-02'} | ${5}    | ${'nl'}   | ${[]}             | ${'2026-03-09'} | ${'Saturday moves to Monday'}
    ${'2026-03-06'} | ${30}   | ${'nl'}   | ${[]}             | ${'2026-04-07'} | ${'Easter Sunday and Monday'}
    ${'2026-03-28'} | ${30}   | ${'nl'}   | ${[]}             | ${'2026-04-28'} | ${"King's Day"}
    ${'2026-03-06'} | ${30}   | ${'none'} | ${[]}             | ${'2026-04-06'} | ${'no holidays: Easter Monday counts'}
    ${'2026-03-02'} | ${30}   | ${'nl'}   | ${['2026-04-01']} | ${'2026-04-02'} | ${'an extra holiday'}
  `(
    'issued $issueDate net $netDays → due $due ($why)',
    async ({ issueDate, netDays, calendar, extra, due }) => {
      const tenant = await testTenant(platform)
      await tenant.run((ctx) =>
        arrangeBillingSettings(ctx, { holidayCalendar: calendar, extraHolidays: extra }),
      )
      const invoice = await issued(
        tenant,
        (customerId) =>
          manualDraft(customerId, [line('X', '1', 10000n, 'S', '21')], {
            paymentTerms: { netDays, discount: null },
          }),
        { issueDate },
      )
      expect(invoice.issueDate).toBe(issueDate)
      expect(invoice.dueDate).toBe(due)
    },
  )

  test('an early-payment discount gets its date and amount', async () => {
    const invoice = await issued(acme, (customerId) =>
      manualDraft(customerId, [line('X', '1', 10000n, 'S', '21')], {
        paymentTerms: { netDays: 30, discount: { percent: dec('2'), days: 10 } },
      }),
    )
    // 2% of 121.00 = 2.42, by 12 March (a Thursday).
    expect(invoice.paymentTerms.discount).toEqual({
      percent: dec('2'),
      days: 10,
      dueDate: '2026-03-12',
      amountMinor: 242n,
    })
    const document = await acme.run((ctx) => loadInvoiceDocument(ctx, invoice.id))
    expect(document.terms.discount?.amountMinor).toBe(242n)
  })

  test('the billing settings give the default discount', async () => {
    const tenant = await testTenant(platform)
    await tenant.run((ctx) =>
      arrangeBillingSettings(ctx, { discount: { percent: dec('1.5'), days: 8 } }),
    )
    const invoice = await issued(tenant, (customerId) =>
      manualDraft(customerId, [line('X', '1', 10000n, 'S', '21')]),
    )
    expect(invoice.paymentTerms.discount).toMatchObject({ percent: dec('1.5'), days: 8 })
  })

  test('three instalments sum exactly to the amount due, the last one is the due date', async () => {
    const invoice = await issued(acme, (customerId) =>
      manualDraft(customerId, [line('X', '1', 8264n, 'S', '21')], {
        paymentTerms: { netDays: 30, discount: null, instalments: { count: 3 } },
      }),
    )
    // 82.64 + 21% (17.35) = 99.99 → 33.33 each.
    const schedule = invoice.paymentTerms.instalments?.schedule ?? []
    expect(schedule).toEqual([
      { dueDate: '2026-04-01', amountMinor: 3333n },
      { dueDate: '2026-05-01', amountMinor: 3333n },
      { dueDate: '2026-06-01', amountMinor: 3333n },
    ])
    expect(schedule.reduce((sum, i) => sum + i.amountMinor, 0n)).toBe(invoice.totals.payableMinor)
    expect(invoice.dueDate).toBe('2026-06-01')
  })

  test('instalments on given days: the remainder cents go to the first', async () => {
    const invoice = await issued(acme, (customerId) =>
      manualDraft(customerId, [line('X', '1', 10000n, 'Z', '0')], {
        paymentTerms: { discount: null, instalments: { dueDays: [14, 45, 75] } },
      }),
    )
    const schedule = invoice.paymentTerms.instalments?.schedule ?? []
    expect(schedule.map((i) => i.amountMinor)).toEqual([3334n, 3333n, 3333n])
    // 2 March + 75 = 16 May, a Saturday → Monday 18 May.
    expect(schedule.map((i) => i.dueDate)).toEqual(['2026-03-16', '2026-04-16', '2026-05-18'])
  })
})

describe('numbers, references and snapshots', () => {
  test('numbers are per series; payment references unique and valid in every scheme', async () => {
    for (const scheme of ['nl', 'rf', 'be'] as const) {
      const tenant = await testTenant(platform)
      await tenant.run((ctx) => arrangeBillingSettings(ctx, { paymentReferenceScheme: scheme }))
      const first = await issued(tenant, (c) => manualDraft(c, [line('X', '1', 100n, 'S', '21')]))
      await tenant.run((ctx) =>
        arrangeBillingSettings(ctx, { paymentReferenceScheme: scheme, invoiceSeries: 'FAC' }),
      )
      const second = await issued(tenant, (c) => manualDraft(c, [line('X', '1', 100n, 'S', '21')]))
      expect([first.number, second.number]).toEqual(['INV-2026-00001', 'FAC-2026-00001'])
      // Same sequence, another series: another reference.
      expect(first.paymentReference).not.toBe(second.paymentReference)
      const valid = {
        nl: isValidDutchPaymentReference,
        rf: isValidRfReference,
        be: isValidBelgianStructuredCommunication,
      }[scheme]
      expect(valid(first.paymentReference as string)).toBe(true)
      expect(valid(second.paymentReference as string)).toBe(true)
    }
  })

  test('the buyer snapshot keeps the name the customer had on the issue date', async () => {
    const invoice = await issued(acme, (c) => manualDraft(c, [line('X', '1', 100n, 'S', '21')]), {
      customer: { legalName: 'Oude Naam B.V.', cocNumber: '87654321' },
    })
    await acme.run(async (ctx) => {
      await sql`update customer set legal_name = 'Nieuwe Naam B.V.' where id = ${invoice.customerId}`.execute(
        ctx.db,
      )
    })
    const document = await acme.run((ctx) => loadInvoiceDocument(ctx, invoice.id))
    expect(document.buyer).toMatchObject({
      name: 'Oude Naam B.V.',
      legalId: { id: '87654321', scheme: '0106' },
      address: { city: 'Utrecht', country: 'NL' },
    })
    expect(document.seller.payeeAccount.iban).toBe('NL91ABNA0417164300')
    expect(document.paymentReference).toBe(invoice.paymentReference)
    expect(document.paymentLink).toBeUndefined()
  })

  test("the 'issued' step tells a webhook consumer what it needs", async () => {
    const invoice = await issued(acme, (c) => manualDraft(c, [line('X', '2', 1000n, 'S', '21')]))
    const steps = await acme.run((ctx) => invoiceTimeline(ctx, invoice.id))
    expect(steps.map((s) => s.step)).toEqual(['issued'])
    expect(steps[0]?.detail).toMatchObject({
      number: invoice.number,
      document_type: 'invoice',
      customer_id: invoice.customerId,
      currency: 'EUR',
      total: '24.20',
      payable: '24.20',
      due_date: '2026-04-01',
      channel: 'email',
    })
    const events = await acme.run((ctx) =>
      ctx.db.selectFrom('outboxEvent').select('type').where('entityId', '=', invoice.id).execute(),
    )
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['invoice.drafted', 'invoice.issued']),
    )
  })
})

describe('the journal entry', () => {
  test('an invoice debits the receivable and prepayments, credits revenue and VAT per rate', async () => {
    const invoice = await issued(acme, (c) =>
      manualDraft(
        c,
        [
          line('A', '1', 10000n, 'S', '21'),
          line('B', '1', 5000n, 'S', '9'),
          line('C', '1', 2000n, 'S', '6'),
        ],
        { prepaidMinor: 1000n },
      ),
    )
    const lines = await acme.run((ctx) => postings(ctx, invoice.id))
    // 170.00 net; VAT 21.00 + 4.50 + 1.20; total 196.70; 10.00 prepaid.
    expect(lines).toEqual([
      { purpose: 'receivable', debit: 18670n, credit: 0n, customer: invoice.customerId },
      { purpose: 'unapplied_cash', debit: 1000n, credit: 0n, customer: invoice.customerId },
      { purpose: 'revenue', debit: 0n, credit: 17000n, customer: null },
      { purpose: 'vat_payable_other', debit: 0n, credit: 120n, customer: null },
      { purpose: 'vat_payable_9', debit: 0n, credit: 450n, customer: null },
      { purpose: 'vat_payable_21', debit: 0n, credit: 2100n, customer: null },
    ])
    const sum = lines.reduce((s, l) => s + l.debit - l.credit, 0n)
    expect(sum).toBe(0n)
  })

  test('a credit note posts the mirror image and settles the invoice it corrects', async () => {
    const invoice = await issued(acme, (c) =>
      manualDraft(c, [line('A', '2', 5000n, 'S', '21'), line('B', '1', 1000n, 'S', '9')]),
    )
    const credit = await acme.run(async (ctx) => {
      const draft = await createInvoiceDraft(ctx, {
        origin: 'credit_note',
        documentType: 'credit_note',
        correctsInvoiceId: invoice.id,
        customerId: invoice.customerId,
        lines: [line('A', '1', 5000n, 'S', '21')],
      })
      return issueInvoice(ctx, draft.id)
    })
    expect(credit.number).toMatch(/^CN-2026-\d{5}$/)
    expect(credit.dueDate).toBeNull()
    expect(credit.totals.payableMinor).toBe(6050n)
    const lines = await acme.run((ctx) => postings(ctx, credit.id))
    expect(lines).toEqual([
      { purpose: 'revenue', debit: 5000n, credit: 0n, customer: null },
      { purpose: 'vat_payable_21', debit: 1050n, credit: 0n, customer: null },
      { purpose: 'receivable', debit: 0n, credit: 6050n, customer: invoice.customerId },
    ])
    const after = await acme.run((ctx) => getInvoice(ctx, invoice.id))
    // 121.00 + 10.90 − 60.50 credited.
    expect(after.openMinor).toBe(13190n - 6050n)
    expect(after.settlements).toEqual([
      expect.objectContaining({ kind: 'credit_note', amountMinor: 6050n, sourceId: credit.id }),
    ])
    const steps = await acme.run((ctx) => invoiceTimeline(ctx, invoice.id))
    expect(steps.map((s) => s.step)).toEqual(['issued', 'credited'])
    const document = await acme.run((ctx) => loadInvoiceDocument(ctx, credit.id))
    expect(document.precedingInvoice).toEqual({ number: invoice.number, issueDate: '2026-03-02' })
  })

  test('a credit note above what is open is refused and takes no number', async () => {
    const invoice = await issued(acme, (c) => manualDraft(c, [line('A', '1', 1000n, 'S', '21')]))
    const draftId = await acme.run(
      async (ctx) =>
        (
          await createInvoiceDraft(ctx, {
            origin: 'credit_note',
            documentType: 'credit_note',
            correctsInvoiceId: invoice.id,
            customerId: invoice.customerId,
            lines: [line('A', '2', 1000n, 'S', '21')],
          })
        ).id,
    )
    const before = await acme.run(counts)
    await expect(acme.run((ctx) => issueInvoice(ctx, draftId))).rejects.toMatchObject({
      code: 'invoicing.settlement_exceeds_open',
    })
    expect(await acme.run(counts)).toEqual(before)
    expect((await acme.run((ctx) => getInvoice(ctx, draftId))).status).toBe('draft')
  })
})

describe('an issued document never changes', () => {
  test('SQL cannot update, delete or add to an issued invoice', async () => {
    const invoice = await issued(acme, (c) => manualDraft(c, [line('A', '1', 1000n, 'S', '21')]))
    const attempts = [
      sql`update invoice set total_minor = 1, vat_minor = 1 - tax_exclusive_minor + 1, payable_minor = 1 where id = ${invoice.id}`,
      sql`update invoice set note = 'changed' where id = ${invoice.id}`,
      sql`delete from invoice where id = ${invoice.id}`,
      sql`update invoice_line set description = 'changed' where invoice_id = ${invoice.id}`,
      sql`delete from invoice_vat where invoice_id = ${invoice.id}`,
      sql`insert into invoice_line (tenant_id, invoice_id, line_number, item_code, quantity, unit, unit_price_minor, vat_category, vat_rate, net_minor)
          values (${acme.tenantId}, ${invoice.id}, 9, 'X', 1, 'C62', 1, 'Z', 0, 1)`,
    ]
    for (const attempt of attempts) {
      await expect(acme.run((ctx) => attempt.execute(ctx.db))).rejects.toThrow(/issued/)
    }
    const after = await acme.run((ctx) => getInvoice(ctx, invoice.id))
    expect(after.totals).toEqual(invoice.totals)
    expect(after.note).toBeNull()
  })

  test('issuing again, changing or deleting an issued invoice is refused', async () => {
    const invoice = await issued(acme, (c) => manualDraft(c, [line('A', '1', 1000n, 'S', '21')]))
    await expect(acme.run((ctx) => issueInvoice(ctx, invoice.id))).rejects.toMatchObject({
      code: 'invoicing.already_issued',
      status: 409,
    })
    await expect(
      acme.run((ctx) => updateInvoiceDraft(ctx, invoice.id, { note: 'x' }, invoice.version)),
    ).rejects.toMatchObject({ code: 'invoicing.not_a_draft' })
    await expect(acme.run((ctx) => deleteInvoiceDraft(ctx, invoice.id))).rejects.toMatchObject({
      code: 'invoicing.not_a_draft',
    })
  })
})

describe('drafts', () => {
  test('a draft stores its totals; an update recomputes them; a delete removes it whole', async () => {
    const { draft, customerId } = await acme.run(async (ctx) => {
      const customer = await arrangeCustomer(ctx)
      return {
        customerId: customer.id,
        draft: await createInvoiceDraft(
          ctx,
          manualDraft(customer.id, [line('A', '1', 1000n, 'S', '21')]),
        ),
      }
    })
    expect(draft.status).toBe('draft')
    expect(draft.number).toBeNull()
    expect(draft.totals.payableMinor).toBe(1210n)
    const updated = await acme.run((ctx) =>
      updateInvoiceDraft(
        ctx,
        draft.id,
        { lines: [line('A', '2', 1000n, 'S', '9')], note: 'Two' },
        1,
      ),
    )
    expect(updated.totals.payableMinor).toBe(2180n)
    expect(updated.note).toBe('Two')
    expect(updated.version).toBe(2)
    await expect(
      acme.run((ctx) => updateInvoiceDraft(ctx, draft.id, { note: 'stale' }, 1)),
    ).rejects.toMatchObject({ code: 'request.stale_etag' })
    await acme.run((ctx) => deleteInvoiceDraft(ctx, draft.id))
    await expect(acme.run((ctx) => getInvoice(ctx, draft.id))).rejects.toMatchObject({
      code: 'request.not_found',
    })
    expect(await acme.run((ctx) => listOpenItems(ctx, { customerId }))).toEqual([])
  })

  test('the language defaults to the customer’s when it is nl or en, else en', async () => {
    const languages = await acme.run(async (ctx) => {
      const dutch = await arrangeCustomer(ctx, { language: 'nl' })
      const german = await arrangeCustomer(ctx, { language: 'de' })
      const lines = [line('A', '1', 1000n, 'S', '21')]
      return [
        (await createInvoiceDraft(ctx, manualDraft(dutch.id, lines))).language,
        (await createInvoiceDraft(ctx, manualDraft(german.id, lines))).language,
      ]
    })
    expect(languages).toEqual(['nl', 'en'])
  })
})

describe('bad input is refused whole and writes nothing', () => {
  test.each`
    what                                | change                                                                                                                        | code                                   | field
    ${'S at rate 0'}                    | ${{ lines: [line('A', '1', 100n, 'S', '21'), line('B', '1', 100n, 'S', '0')] }}                                               | ${'invoicing.vat_combination_invalid'} | ${'lines[1].vat_rate'}
    ${'Z at a rate'}                    | ${{ lines: [line('A', '1', 100n, 'Z', '9')] }}                                                                                | ${'invoicing.vat_combination_invalid'} | ${'lines[0].vat_rate'}
    ${'O beside S'}                     | ${{ lines: [line('A', '1', 100n, 'O', '0'), line('B', '1', 100n, 'S', '21')] }}                                               | ${'invoicing.vat_combination_invalid'} | ${'lines[1].vat_category'}
    ${'K without a delivery date'}      | ${{ lines: [line('A', '1', 100n, 'K', '0')] }}                                                                                | ${'invoicing.vat_combination_invalid'} | ${'delivery_date'}
    ${'a quantity of 0'}                | ${{ lines: [line('A', '0', 100n, 'S', '21')] }}                                                                               | ${'request.invalid'}                   | ${'lines[0].quantity'}
    ${'no lines'}                       | ${{ lines: [] }}                                                                                                              | ${'request.invalid'}                   | ${'lines'}
    ${'prepaid above the total'}        | ${{ prepaidMinor: 999_999n }}                                                                                                 | ${'invoicing.totals_invalid'}          | ${'prepaid_amount'}
    ${'a language other than nl or en'} | ${{ language: 'de' }}                                                                                                         | ${'request.invalid'}                   | ${'language'}
    ${'an unknown currency'}            | ${{ currency: 'EUX' }}                                                                                                        | ${'request.invalid'}                   | ${'currency'}
    ${'an allowance above its lines'}   | ${{ allowancesCharges: [{ isCharge: false, reason: 'Too much', amountMinor: 5000n, vatCategory: 'S', vatRate: dec('21') }] }} | ${'invoicing.totals_invalid'}          | ${'allowances_charges'}
  `('$what → $code at $field', async ({ change, code, field }) => {
    const customerId = await acme.run(async (ctx) => (await arrangeCustomer(ctx)).id)
    const before = await acme.run(counts)
    const error = await acme
      .run((ctx) =>
        createInvoiceDraft(ctx, {
          ...manualDraft(customerId, [line('A', '1', 100n, 'S', '21')]),
          ...change,
        }),
      )
      .catch((e) => e)
    expect(error).toMatchObject({ code })
    const fields = [error.details.field, ...(error.details.errors ?? []).map((e: any) => e.field)]
    expect(fields).toContain(field)
    expect(await acme.run(counts)).toEqual(before)
  })

  test('reverse charge for a buyer without a VAT id names the line', async () => {
    const error = await acme
      .run(async (ctx) => {
        const customer = await arrangeCustomer(ctx, { vatId: null })
        return createInvoiceDraft(ctx, manualDraft(customer.id, [line('A', '1', 100n, 'AE', '0')]))
      })
      .catch((e) => e)
    expect(error).toMatchObject({
      code: 'invoicing.vat_combination_invalid',
      details: { field: 'lines[0].vat_category' },
    })
    expect(error.message).toContain("buyer's VAT id")
  })

  test('issuing without billing settings names what is missing and writes nothing', async () => {
    const tenant = await testTenant(platform)
    const draftId = await tenant.run(async (ctx) => {
      const customer = await arrangeCustomer(ctx)
      return (
        await createInvoiceDraft(ctx, manualDraft(customer.id, [line('A', '1', 100n, 'S', '21')]))
      ).id
    })
    const before = await tenant.run(counts)
    const error = await tenant.run((ctx) => issueInvoice(ctx, draftId)).catch((e) => e)
    expect(error).toMatchObject({ code: 'invoicing.billing_settings_missing', status: 409 })
    expect(error.message).toMatch(/seller/)
    expect(await tenant.run(counts)).toEqual(before)
  })

  test('issuing for a customer without an address is refused and takes no number', async () => {
    const draftId = await acme.run(async (ctx) => {
      const customer = await arrangeCustomer(ctx, { addresses: [] })
      return (
        await createInvoiceDraft(ctx, manualDraft(customer.id, [line('A', '1', 100n, 'S', '21')]))
      ).id
    })
    const before = await acme.run(counts)
    await expect(acme.run((ctx) => issueInvoice(ctx, draftId))).rejects.toMatchObject({
      code: 'invoicing.buyer_incomplete',
    })
    expect(await acme.run(counts)).toEqual(before)
  })
})

describe.runIf(testStoreKind === 'postgres')('concurrent issuing on PostgreSQL', () => {
  test('invoices issued from 8 connections at once get numbers 1…n: no gap, no duplicate', async () => {
    const tenant = await testTenant(platform)
    await tenant.run((ctx) => arrangeBillingSettings(ctx, { invoiceSeries: 'RACE' }))
    const drafts = await tenant.run(async (ctx) => {
      const customers = [await arrangeCustomer(ctx), await arrangeCustomer(ctx)]
      const ids: string[] = []
      for (let i = 0; i < 60; i++) {
        const customer = customers[i % 2] as { id: string }
        ids.push(
          (
            await createInvoiceDraft(
              ctx,
              manualDraft(customer.id, [line('A', '1', 1000n + BigInt(i), 'S', '21')]),
            )
          ).id,
        )
      }
      return ids
    })
    // Every third issue fails after its number was taken (a rollback): its number must go to
    // the next issuer, not be lost.
    let attempt = 0
    const outcomes = await Promise.allSettled(
      drafts.map((id) =>
        tenant.run(async (ctx) => {
          const invoice = await issueInvoice(ctx, id)
          if (++attempt % 3 === 0) throw new Error('rolled back after issuing')
          return invoice
        }),
      ),
    )
    const issuedCount = outcomes.filter((o) => o.status === 'fulfilled').length
    expect(issuedCount).toBe(40)
    const rows = await tenant.run((ctx) =>
      ctx.db
        .selectFrom('invoice')
        .select(['sequence', 'number', 'paymentReference'])
        .where('status', '=', 'issued')
        .orderBy('sequence')
        .execute(),
    )
    expect(rows).toHaveLength(issuedCount)
    expect(rows.map((r) => Number(r.sequence))).toEqual(
      Array.from({ length: issuedCount }, (_, i) => i + 1),
    )
    expect(new Set(rows.map((r) => r.number)).size).toBe(issuedCount)
    expect(new Set(rows.map((r) => r.paymentReference)).size).toBe(issuedCount)
  })
})
