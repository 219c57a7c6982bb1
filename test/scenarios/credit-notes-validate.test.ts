import { beforeAll, expect, test } from 'vitest'
import type { Ctx } from '../../src/db/context.js'
import {
  type CreditRequest,
  createInvoiceDraft,
  creditInvoice,
  type Invoice,
  issueInvoice,
  loadInvoiceDocument,
} from '../../src/modules/invoicing/index.js'
import {
  arrangeBillingSettings,
  arrangeCustomer,
  belgianBuyer,
  dec,
  line,
  manualDraft,
} from '../../src/modules/invoicing/test-helpers.js'
import { einvoiceValidator, validateAsUblAndCii } from '../einvoice-validator.js'
import { manualClock, type TestTenant, testPlatform, testTenant } from '../support.js'

// Credit notes as creditInvoice makes them — in full (with allowances, charges and a prepaid
// amount), by line, and by amount, including amounts whose VAT is split from the gross (a
// cent from taxable × rate, which BR-CO-17 allows) — rendered as UBL CreditNote and CII and
// run through the official EN 16931 and Peppol BIS 3.0 rules.

const validator = einvoiceValidator()
let tenant: TestTenant

beforeAll(async () => {
  const platform = await testPlatform(manualClock('2026-03-02T09:00:00Z'))
  tenant = await testTenant(platform)
  await tenant.run((ctx) => arrangeBillingSettings(ctx))
})

async function invoice(
  ctx: Ctx,
  lines: Parameters<typeof manualDraft>[1],
  extra: Parameters<typeof manualDraft>[2] = {},
  customer?: Parameters<typeof arrangeCustomer>[1],
): Promise<Invoice> {
  const { id } = await arrangeCustomer(ctx, customer)
  const draft = await createInvoiceDraft(
    ctx,
    manualDraft(id, lines, { orderReference: 'PO-2026-77', ...extra }),
  )
  return issueInvoice(ctx, draft.id)
}

const twoRates = [
  line('FLOUR-25', '4', 1895n, 'S', '9'),
  line('YEAST-1', '2.5', 340n, 'S', '9', { discountPercent: dec('5') }),
  line('DELIVERY', '1', 1250n, 'S', '21'),
]

type Case = { name: string; invoice: (ctx: Ctx) => Promise<Invoice>; credit: CreditRequest }

const reason = 'Damaged in transit'
const cases: Case[] = [
  {
    name: 'full-allowances-charges-prepaid',
    invoice: (ctx) =>
      invoice(ctx, twoRates, {
        prepaidMinor: 2_000n,
        allowancesCharges: [
          {
            isCharge: false,
            reason: 'Korting',
            reasonCode: '95',
            amountMinor: 500n,
            vatCategory: 'S',
            vatRate: dec('9'),
          },
          {
            isCharge: true,
            reason: 'Vracht',
            reasonCode: 'FC',
            amountMinor: 750n,
            vatCategory: 'S',
            vatRate: dec('21'),
          },
        ],
      }),
    credit: { kind: 'full', reason },
  },
  {
    name: 'by-line',
    invoice: (ctx) => invoice(ctx, twoRates),
    credit: {
      kind: 'lines',
      lines: [
        { lineNumber: 2, quantity: dec('1.5') },
        { lineNumber: 3, quantity: dec('1') },
      ],
      reason,
    },
  },
  {
    name: 'amount-two-rates-split-from-gross',
    invoice: (ctx) => invoice(ctx, twoRates),
    credit: { kind: 'amount', amountMinor: 1_250n, reason },
  },
  {
    name: 'amount-121.03-at-21',
    invoice: (ctx) => invoice(ctx, [line('CONSULT', '10', 10_000n, 'S', '21')]),
    credit: { kind: 'amount', amountMinor: 12_103n, reason },
  },
  {
    name: 'amount-reverse-charge',
    invoice: (ctx) =>
      invoice(ctx, [line('CONSULT', '8', 9_500n, 'AE', '0', { unit: 'HUR' })], {}, belgianBuyer),
    credit: { kind: 'amount', amountMinor: 10_000n, reason },
  },
]

test.runIf(validator)(
  'every credit note creditInvoice makes renders as UBL and CII with 0 fatal errors',
  async () => {
    const documents: Parameters<typeof validateAsUblAndCii>[1] = []
    for (const entry of cases) {
      const note = await tenant.run(async (ctx) =>
        creditInvoice(ctx, (await entry.invoice(ctx)).id, entry.credit),
      )
      if (entry.credit.kind === 'amount') {
        expect(note.totals.payableMinor).toBe(entry.credit.amountMinor)
      }
      const document = await tenant.run((ctx) => loadInvoiceDocument(ctx, note.id))
      documents.push({ name: entry.name, document })
    }
    const { results, fatal } = await validateAsUblAndCii(validator as string, documents)
    expect(fatal).toEqual([])
    expect(results.filter((r) => r.file.includes('.ubl.')).map((r) => r.syntax)).toEqual(
      cases.map(() => 'ubl-creditnote'),
    )
  },
  600_000,
)

test.skipIf(validator)('the e-invoice validator is not installed here: skipped', () => {})
