import { beforeAll, expect, test } from 'vitest'
import type { Ctx } from '../../src/db/context.js'
import {
  createInvoiceDraft,
  type InvoiceDraftInput,
  issueInvoice,
  loadInvoiceDocument,
  putCustomerBilling,
  putExchangeRate,
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

// Invoices as issueInvoice makes them — not hand-written fixtures — rendered as UBL and CII
// and run through the official EN 16931 and Peppol BIS 3.0 rules: the document that
// loadInvoiceDocument builds from the stored rows must be one the renderers can turn into
// a valid e-invoice, for every VAT category, terms, allowances and charges, prepaid amounts,
// a foreign currency and a credit note.

const validator = einvoiceValidator()
let tenant: TestTenant

beforeAll(async () => {
  const platform = await testPlatform(manualClock('2026-03-02T09:00:00Z'))
  tenant = await testTenant(platform)
  await tenant.run(async (ctx) => {
    await arrangeBillingSettings(ctx, { discount: { percent: dec('2'), days: 10 } })
    await putExchangeRate(ctx, { currency: 'USD', validFrom: '2026-01-01', rate: dec('0.9234') })
  })
})

const american = {
  country: 'US',
  vatId: null,
  language: 'en',
  currency: 'USD',
  addresses: [
    {
      kind: 'billing' as const,
      lines: ['1 Main St'],
      postalCode: '10001',
      city: 'New York',
      country: 'US',
    },
  ],
}

type Case = {
  name: string
  customer?: Parameters<typeof arrangeCustomer>[1]
  draft: (customerId: string) => InvoiceDraftInput
}

const ref = { orderReference: 'PO-2026-77' }

const cases: Case[] = [
  {
    name: 'two-rates-discounts-charges',
    draft: (c) =>
      manualDraft(
        c,
        [
          line('FLOUR-25', '4', 1895n, 'S', '9', { description: 'Tarwebloem 25 kg' }),
          line('YEAST-1', '2.5', 340n, 'S', '9', { discountPercent: dec('5') }),
          line('DELIVERY', '1', 1250n, 'S', '21'),
        ],
        {
          ...ref,
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
          note: 'Levering week 10',
        },
      ),
  },
  {
    name: 'prepaid-instalments',
    draft: (c) =>
      manualDraft(c, [line('MACHINE', '1', 250000n, 'S', '21')], {
        ...ref,
        prepaidMinor: 50000n,
        paymentTerms: { netDays: 30, discount: null, instalments: { count: 3 } },
      }),
  },
  { name: 'zero-rated', draft: (c) => manualDraft(c, [line('BOOKS', '3', 1999n, 'Z', '0')], ref) },
  { name: 'exempt', draft: (c) => manualDraft(c, [line('COURSE', '1', 50000n, 'E', '0')], ref) },
  {
    name: 'reverse-charge',
    customer: belgianBuyer,
    draft: (c) => manualDraft(c, [line('CONSULT', '8', 9500n, 'AE', '0', { unit: 'HUR' })], ref),
  },
  {
    name: 'intra-eu',
    customer: belgianBuyer,
    draft: (c) =>
      manualDraft(c, [line('FLOUR-25', '40', 1895n, 'K', '0')], {
        ...ref,
        deliveryDate: '2026-02-27',
      }),
  },
  {
    name: 'export-usd',
    customer: american,
    draft: (c) => manualDraft(c, [line('FLOUR-25', '100', 2100n, 'G', '0')], ref),
  },
  {
    name: 'usd-standard-rate',
    draft: (c) =>
      manualDraft(c, [line('LICENCE', '1', 10000n, 'S', '21')], { ...ref, currency: 'USD' }),
  },
  {
    name: 'outside-scope',
    customer: { vatId: null, cocNumber: '87654321' },
    draft: (c) => manualDraft(c, [line('DONATION', '1', 10000n, 'O', '0')], ref),
  },
]

async function issueCase(ctx: Ctx, entry: Case) {
  const customer = await arrangeCustomer(ctx, entry.customer)
  if (customer.country === 'US') {
    // No registration Peppol knows from the master data: its DUNS number as Peppol id.
    await putCustomerBilling(
      ctx,
      customer.id,
      {
        billingFrequency: 'per_shipment',
        invoiceChannel: 'email',
        invoiceEmail: null,
        peppol: { scheme: '0060', id: '081466849' },
        buyerReference: null,
      },
      0,
    )
  }
  const draft = await createInvoiceDraft(ctx, entry.draft(customer.id))
  return issueInvoice(ctx, draft.id)
}

test.runIf(validator)(
  'every issued invoice and credit note renders as UBL and CII with 0 fatal errors',
  async () => {
    const documents: Parameters<typeof validateAsUblAndCii>[1] = []
    const write = async (name: string, invoiceId: string) => {
      const document = await tenant.run((ctx) => loadInvoiceDocument(ctx, invoiceId))
      documents.push({ name, document })
    }
    for (const entry of cases) {
      const invoice = await tenant.run((ctx) => issueCase(ctx, entry))
      await write(entry.name, invoice.id)
    }
    const corrected = await tenant.run((ctx) => issueCase(ctx, cases[0] as Case))
    const credit = await tenant.run(async (ctx) => {
      const draft = await createInvoiceDraft(ctx, {
        origin: 'credit_note',
        documentType: 'credit_note',
        correctsInvoiceId: corrected.id,
        customerId: corrected.customerId,
        orderReference: 'PO-2026-77',
        lines: [line('DELIVERY', '1', 1250n, 'S', '21')],
      })
      return issueInvoice(ctx, draft.id)
    })
    await write('credit-note', credit.id)

    const { fatal } = await validateAsUblAndCii(validator as string, documents)
    expect(fatal).toEqual([])
  },
  600_000,
)

test.skipIf(validator)('the e-invoice validator is not installed here: skipped', () => {})
