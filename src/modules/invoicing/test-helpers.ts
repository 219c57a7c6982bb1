import { type Decimal, parseDecimal } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { type Customer, createCustomer, type NewCustomer } from '../customers/index.js'
import { type BillingSettingsInput, putBillingSettings } from './billing-settings.js'
import type { VatCategory } from './document.js'
import type { DraftLineInput, InvoiceDraftInput } from './drafts.js'

// Arranging invoices in tests (this module's and the other invoicing stages'): a seller,
// customers with the master data an invoice needs, and drafts written the way people read
// them ('12.50', '21').

export const sellerSettings: BillingSettingsInput = {
  seller: {
    name: 'Bakkerij De Korenschoof B.V.',
    vatId: 'NL004495445B01',
    legalId: { id: '12345678', scheme: '0106' },
    address: { lines: ['Molenstraat 1'], postalCode: '1011 AA', city: 'Amsterdam', country: 'NL' },
    electronicAddress: { scheme: '0106', id: '12345678' },
    contact: { name: 'Debiteurenbeheer', email: 'billing@korenschoof.example' },
    payeeAccount: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', name: 'De Korenschoof' },
  },
}

/** Saves billing settings (first time, or over what is there). */
export async function arrangeBillingSettings(
  ctx: Ctx,
  overrides: Partial<BillingSettingsInput> = {},
): Promise<void> {
  const current = await ctx.db.selectFrom('billingSettings').select('version').executeTakeFirst()
  await putBillingSettings(ctx, { ...sellerSettings, ...overrides }, current?.version)
}

let customerCounter = 0

/** A Dutch business customer with a billing address and a VAT id, unless told otherwise. */
/** A Belgian business buyer with a VAT id: for reverse charge (AE) and intra-EU supplies (K). */
export const belgianBuyer = {
  country: 'BE',
  vatId: 'BE0477472701',
  language: 'en',
  addresses: [
    {
      kind: 'billing' as const,
      lines: ['Grote Markt 1'],
      postalCode: '1000',
      city: 'Brussel',
      country: 'BE',
    },
  ],
} satisfies Partial<NewCustomer>

export async function arrangeCustomer(
  ctx: Ctx,
  fields: Partial<NewCustomer> = {},
): Promise<Customer> {
  const n = ++customerCounter
  return createCustomer(ctx, {
    number: `C-${process.pid}-${n}`,
    legalName: `Customer ${n} B.V.`,
    country: 'NL',
    vatId: 'NL004495445B01',
    currency: 'EUR',
    language: 'nl',
    paymentTermsDays: 30,
    addresses: [
      {
        kind: 'billing',
        lines: ['Kerkstraat 10'],
        postalCode: '3511 AB',
        city: 'Utrecht',
        country: 'NL',
      },
    ],
    contacts: [
      {
        name: 'Crediteuren',
        email: `ap${n}@customer.example`,
        phone: null,
        language: 'nl',
        preferredChannel: 'email',
        roles: ['billing'],
      },
    ],
    ...fields,
  })
}

export function dec(text: string): Decimal {
  const value = parseDecimal(text, 8)
  if (!value) throw new Error(`not a decimal: ${text}`)
  return value
}

/** A line from readable values: line('FLOUR', '4', 1895n, 'S', '9'). */
export function line(
  itemCode: string,
  quantity: string,
  unitPriceMinor: bigint,
  vatCategory: VatCategory,
  vatRate: string,
  extra: Partial<DraftLineInput> = {},
): DraftLineInput {
  return {
    itemCode,
    quantity: dec(quantity),
    unitPriceMinor,
    vatCategory,
    vatRate: dec(vatRate),
    ...extra,
  }
}

export function manualDraft(
  customerId: string,
  lines: DraftLineInput[],
  extra: Partial<InvoiceDraftInput> = {},
): InvoiceDraftInput {
  return { origin: 'manual', customerId, lines, ...extra }
}
