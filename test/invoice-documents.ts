import type { CalendarDate } from '../src/core/dates.js'
import { lineNetMinor, parseAmount, parseDecimal } from '../src/core/money.js'
import { paymentReferenceFor } from '../src/core/payment-reference.js'
import { rgbPng } from '../src/modules/documents/qr-image.js'
import {
  type AllowanceCharge,
  type Buyer,
  computeTotals,
  type DocumentLanguage,
  type DocumentLine,
  type InvoiceDocument,
  type Seller,
  type VatCategory,
} from '../src/modules/invoicing/index.js'

// Invoice documents as invoicing hands them to the renderers, built the way it does: line
// nets by lineNetMinor, VAT breakdown and totals by computeTotals. For the PDF tests and the
// PDF bench.

export const seller: Seller = {
  name: 'Voorbeeld BV',
  vatId: 'NL123456789B01',
  legalId: { id: '12345678', scheme: '0106' },
  address: { lines: ['Keizersgracht 1'], postalCode: '1015 CJ', city: 'Amsterdam', country: 'NL' },
  contact: { email: 'facturen@voorbeeld.nl', phone: '+31 20 123 4567' },
  payeeAccount: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', name: 'Voorbeeld BV' },
}

export const dutchBuyer: Buyer = {
  name: 'Bakkerij De Korenschoof',
  vatId: 'NL987654321B01',
  customerNumber: 'C-1001',
  address: { lines: ['Dorpsstraat 12'], postalCode: '3512 AB', city: 'Utrecht', country: 'NL' },
  contact: { name: 'J. de Vries' },
}

export const germanBuyer: Buyer = {
  name: 'Müller Maschinenbau GmbH',
  vatId: 'DE123456789',
  customerNumber: 'C-2002',
  address: { lines: ['Hauptstraße 5'], postalCode: '10115', city: 'Berlin', country: 'DE' },
}

export const look = { primaryColour: '#1f3a5f', accentColour: '#e8eef5' }

/** A 120 × 40 RGB PNG: a blue-to-orange band, standing in for a tenant's logo. */
export function logoPng(): Uint8Array {
  const width = 120
  const height = 40
  const pixels = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      pixels[i] = Math.round((x / width) * 230)
      pixels[i + 1] = 90
      pixels[i + 2] = 200 - Math.round((x / width) * 180)
    }
  }
  return rgbPng(width, height, pixels)
}

export type LineSpec = {
  code: string
  name: string
  description?: string
  quantity: string
  unit?: string
  price: string
  discountPercent?: string
  category?: VatCategory
  rate?: string
}

export function line(id: number, spec: LineSpec, currency = 'EUR'): DocumentLine {
  const quantity = parseDecimal(spec.quantity, 4)!
  const unitPriceMinor = parseAmount(spec.price, currency)!
  const discountPercent = parseDecimal(spec.discountPercent ?? '0', 4)!
  const netMinor = lineNetMinor(quantity, unitPriceMinor, discountPercent)
  const grossMinor = lineNetMinor(quantity, unitPriceMinor)
  const category = spec.category ?? 'S'
  return {
    id: String(id),
    itemCode: spec.code,
    name: spec.name,
    description: spec.description,
    quantity,
    unit: spec.unit ?? 'C62',
    unitPriceMinor,
    discountPercent,
    discountMinor: grossMinor - netMinor,
    netMinor,
    vatCategory: category,
    vatRate: parseDecimal(spec.rate ?? (category === 'S' ? '21' : '0'), 4)!,
  }
}

export type DocumentSpec = {
  type?: InvoiceDocument['type']
  number?: string
  language?: DocumentLanguage
  currency?: string
  buyer?: Buyer
  issueDate?: CalendarDate
  dueDate?: CalendarDate
  lines: LineSpec[]
  allowancesCharges?: AllowanceCharge[]
  prepaidMinor?: bigint
  terms?: InvoiceDocument['terms']
  paymentReference?: string
  extra?: Partial<InvoiceDocument>
}

export function invoiceDocument(spec: DocumentSpec): InvoiceDocument {
  const currency = spec.currency ?? 'EUR'
  const language = spec.language ?? 'nl'
  const lines = spec.lines.map((s, index) => line(index + 1, s, currency))
  const allowancesCharges = spec.allowancesCharges ?? []
  const { vatBreakdown, totals } = computeTotals({
    lines,
    allowancesCharges,
    prepaidMinor: spec.prepaidMinor ?? 0n,
    language,
  })
  const type = spec.type ?? 'invoice'
  return {
    type,
    number: spec.number ?? 'INV-2026-00042',
    issueDate: spec.issueDate ?? '2026-11-25',
    ...(type === 'invoice' ? { dueDate: spec.dueDate ?? '2026-12-25' } : {}),
    currency,
    language,
    seller,
    buyer: spec.buyer ?? dutchBuyer,
    lines,
    allowancesCharges,
    vatBreakdown,
    totals,
    terms: spec.terms ?? { netDays: 30 },
    paymentReference: spec.paymentReference ?? paymentReferenceFor('nl', 42),
    ...spec.extra,
  }
}

/** A catalogue line for generated invoices: the n-th item of a hardware shop. */
export function catalogueLine(n: number): LineSpec {
  return {
    code: `ART-${String(n).padStart(5, '0')}`,
    name: `Artikel ${n}`,
    description:
      n % 3 === 0 ? `Verpakt per ${n % 12} stuks, levering uit magazijn Utrecht` : undefined,
    quantity: String((n % 7) + 1),
    price: `${(n % 50) + 1}.${String(n % 100).padStart(2, '0')}`,
    discountPercent: n % 5 === 0 ? '5' : '0',
    rate: n % 4 === 0 ? '9' : '21',
  }
}
