import {
  allocate,
  type Decimal,
  divideRounded,
  lineNetMinor,
  parseAmount,
  parseDecimal,
} from '../../core/money.js'
import {
  type AllowanceCharge,
  type Buyer,
  computeTotals,
  type DocumentLine,
  type InvoiceDocument,
  type Seller,
  type VatCategory,
} from '../invoicing/index.js'

// Documents as invoicing issues them, one per case the e-invoices must get right: every VAT
// category, line discounts, payment terms with an early-payment discount and instalments,
// document allowances and charges, a credit note, a foreign currency and a prepayment. Line nets
// come from lineNetMinor and the breakdown and totals from invoicing's computeTotals, exactly
// as an issued invoice gets them.

const decimal = (text: string): Decimal => {
  const value = parseDecimal(text, 6)
  if (!value) throw new Error(`not a decimal: ${text}`)
  return value
}
const minor = (text: string, currency = 'EUR'): bigint => {
  const value = parseAmount(text, currency)
  if (value === undefined) throw new Error(`not an amount: ${text}`)
  return value
}

export const seller: Seller = {
  name: 'Kaasmakerij De Vries B.V.',
  tradingName: 'De Vries Kaas',
  vatId: 'NL859123456B01',
  legalId: { id: '12345678', scheme: '0106' },
  address: { lines: ['Havenstraat 12'], postalCode: '3511 AB', city: 'Utrecht', country: 'NL' },
  electronicAddress: { scheme: '0106', id: '12345678' },
  contact: { name: 'Debiteurenadministratie', email: 'facturen@devrieskaas.nl' },
  payeeAccount: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', name: 'Kaasmakerij De Vries' },
}

const dutchBuyer: Buyer = {
  customerNumber: 'C-1001',
  name: 'Bakkerij Jansen B.V.',
  vatId: 'NL810234567B01',
  legalId: { id: '87654321', scheme: '0106' },
  address: {
    lines: ['Kerkstraat 1', 'Achteringang'],
    postalCode: '1011 AA',
    city: 'Amsterdam',
    country: 'NL',
  },
  electronicAddress: { scheme: '0106', id: '87654321' },
  contact: { name: 'Inkoop', email: 'inkoop@bakkerijjansen.nl' },
}

const belgianBuyer: Buyer = {
  customerNumber: 'C-2001',
  name: 'Fromagerie Dubois SRL',
  vatId: 'BE0477472701',
  address: { lines: ['Rue Neuve 5'], postalCode: '1000', city: 'Brussel', country: 'BE' },
  electronicAddress: { scheme: '0208', id: '0477472701' },
}

const germanBuyer: Buyer = {
  customerNumber: 'C-3001',
  name: 'Käsehandel Müller GmbH',
  vatId: 'DE123456789',
  address: { lines: ['Hauptstraße 7'], postalCode: '50667', city: 'Köln', country: 'DE' },
  electronicAddress: { scheme: '9930', id: 'DE123456789' },
}

const americanBuyer: Buyer = {
  customerNumber: 'C-4001',
  name: 'Cheese Importers Inc.',
  address: { lines: ['100 Main Street'], postalCode: '10001', city: 'New York', country: 'US' },
  electronicAddress: { scheme: '0060', id: '081466849' },
}

type LineInput = {
  item: string
  name: string
  quantity: string
  unit?: string
  price: string
  discount?: string
  category: VatCategory
  rate?: string
}

function line(input: LineInput, index: number, currency: string): DocumentLine {
  const quantity = decimal(input.quantity)
  const unitPriceMinor = minor(input.price, currency)
  const discountPercent = decimal(input.discount ?? '0')
  const netMinor = lineNetMinor(quantity, unitPriceMinor, discountPercent)
  const grossMinor = lineNetMinor(quantity, unitPriceMinor)
  return {
    id: String(index + 1),
    itemCode: input.item,
    name: input.name,
    quantity,
    unit: input.unit ?? 'C62',
    unitPriceMinor,
    discountPercent,
    discountMinor: grossMinor - netMinor,
    netMinor,
    vatCategory: input.category,
    vatRate: decimal(input.rate ?? '0'),
  }
}

type DocumentInput = Omit<
  InvoiceDocument,
  'lines' | 'vatBreakdown' | 'totals' | 'allowancesCharges' | 'terms' | 'currency' | 'language'
> & {
  currency?: string
  language?: 'nl' | 'en'
  lines: LineInput[]
  allowancesCharges?: (Omit<AllowanceCharge, 'amountMinor'> & { amount: string })[]
  prepaid?: string
}

function document(input: DocumentInput): InvoiceDocument {
  const currency = input.currency ?? 'EUR'
  const language = input.language ?? 'en'
  const lines = input.lines.map((entry, index) => line(entry, index, currency))
  const allowancesCharges = (input.allowancesCharges ?? []).map(({ amount, ...entry }) => ({
    ...entry,
    amountMinor: minor(amount, currency),
  }))
  const { vatBreakdown, totals } = computeTotals({
    lines,
    allowancesCharges,
    prepaidMinor: input.prepaid ? minor(input.prepaid, currency) : 0n,
    language,
  })
  const { lines: _lines, allowancesCharges: _entries, prepaid: _prepaid, ...rest } = input
  return {
    ...rest,
    currency,
    language,
    lines,
    allowancesCharges,
    vatBreakdown,
    totals,
    terms: { netDays: 30 },
  }
}

const invoiceBase = {
  type: 'invoice' as const,
  issueDate: '2026-03-02',
  dueDate: '2026-04-01',
  seller,
  paymentReference: '1234567890123452',
  paymentLink: 'https://pay.example/i/abc',
}

/** S at 21 % and 9 % on one invoice, with a line discount. */
export const twoRates = document({
  ...invoiceBase,
  number: 'INV-2026-00001',
  buyer: dutchBuyer,
  buyerReference: 'PO-4711',
  orderReference: 'ORD-2026-00017',
  language: 'nl',
  note: 'Bedankt voor uw bestelling.',
  delivery: { date: '2026-02-27' },
  lines: [
    {
      item: 'GOUDA-48',
      name: 'Goudse kaas 48+ jong',
      quantity: '12',
      unit: 'KGM',
      price: '11.95',
      category: 'S',
      rate: '9',
    },
    {
      item: 'MES-01',
      name: 'Kaasmes',
      quantity: '3',
      price: '24.99',
      discount: '10',
      category: 'S',
      rate: '21',
    },
    {
      item: 'PLANK-02',
      name: 'Kaasplank eiken',
      quantity: '2.5',
      unit: 'C62',
      price: '13.33',
      discount: '7.5',
      category: 'S',
      rate: '21',
    },
  ],
})

/** Zero-rated goods (Z). */
export const zeroRated = document({
  ...invoiceBase,
  number: 'INV-2026-00002',
  buyer: dutchBuyer,
  buyerReference: 'PO-4712',
  lines: [
    {
      item: 'EXP-BOOK',
      name: 'Export documentation',
      quantity: '1',
      price: '80.00',
      category: 'Z',
    },
  ],
})

/** Exempt from VAT (E), with the exemption reason. */
export const exempt = document({
  ...invoiceBase,
  number: 'INV-2026-00003',
  buyer: dutchBuyer,
  buyerReference: 'PO-4713',
  lines: [
    {
      item: 'COURSE',
      name: 'Kaasmaakcursus (onderwijs)',
      quantity: '4',
      unit: 'HUR',
      price: '95.00',
      category: 'E',
    },
  ],
})

/** Reverse charge (AE) to a Belgian business; both VAT identifiers. */
export const reverseCharge = document({
  ...invoiceBase,
  number: 'INV-2026-00004',
  buyer: belgianBuyer,
  buyerReference: 'BC-88',
  lines: [
    {
      item: 'INSTALL',
      name: 'Installation of a cheese cellar',
      quantity: '10',
      unit: 'HUR',
      price: '125.00',
      category: 'AE',
    },
  ],
})

/** Intra-community supply (K) to Germany, with delivery date and country. */
export const intraCommunity = document({
  ...invoiceBase,
  number: 'INV-2026-00005',
  buyer: germanBuyer,
  buyerReference: 'BESTELLUNG-2026-9',
  delivery: { date: '2026-02-28', country: 'DE' },
  lines: [
    {
      item: 'GOUDA-48',
      name: 'Gouda 48+ young',
      quantity: '250',
      unit: 'KGM',
      price: '9.80',
      category: 'K',
    },
    {
      item: 'EDAM-40',
      name: 'Edam 40+',
      quantity: '120.5',
      unit: 'KGM',
      price: '8.45',
      discount: '5',
      category: 'K',
    },
  ],
})

/** Export outside the EU (G). */
export const exportOutsideEu = document({
  ...invoiceBase,
  number: 'INV-2026-00006',
  buyer: americanBuyer,
  orderReference: 'US-PO-5521',
  delivery: { date: '2026-02-25', country: 'US' },
  lines: [
    {
      item: 'GOUDA-OLD',
      name: 'Aged Gouda',
      quantity: '400',
      unit: 'KGM',
      price: '14.20',
      category: 'G',
    },
  ],
})

/** Outside the scope of VAT (O): no VAT identifiers on the document (BR-O-02 ff.). */
export const outsideScope = document({
  ...invoiceBase,
  number: 'INV-2026-00007',
  buyer: dutchBuyer,
  buyerReference: 'PO-4714',
  lines: [
    {
      item: 'DAMAGES',
      name: 'Compensation for damaged pallets',
      quantity: '1',
      price: '350.00',
      category: 'O',
    },
  ],
})

/** Early-payment discount (2 % within 10 days) and two instalments, all in words (BT-20). */
export const discountAndInstalments = (() => {
  const doc = document({
    ...invoiceBase,
    number: 'INV-2026-00008',
    buyer: dutchBuyer,
    buyerReference: 'PO-4715',
    lines: [
      {
        item: 'GOUDA-48',
        name: 'Gouda 48+ young',
        quantity: '100',
        unit: 'KGM',
        price: '9.99',
        category: 'S',
        rate: '9',
      },
    ],
  })
  const payable = doc.totals.payableMinor
  const [first, second] = allocate(payable, [1n, 1n])
  return {
    ...doc,
    terms: {
      netDays: 30,
      discount: {
        percent: decimal('2'),
        days: 10,
        dueDate: '2026-03-12',
        amountMinor: divideRounded(payable * 2n, 100n),
      },
      instalments: [
        { dueDate: '2026-04-01', amountMinor: first },
        { dueDate: '2026-05-01', amountMinor: second },
      ],
    },
  } satisfies InvoiceDocument
})()

/** Document allowances and charges on two rates. */
export const allowancesAndCharges = document({
  ...invoiceBase,
  number: 'INV-2026-00009',
  buyer: dutchBuyer,
  buyerReference: 'PO-4716',
  lines: [
    {
      item: 'GOUDA-48',
      name: 'Gouda 48+ young',
      quantity: '40',
      unit: 'KGM',
      price: '9.99',
      category: 'S',
      rate: '9',
    },
    {
      item: 'MES-01',
      name: 'Cheese knife',
      quantity: '6',
      price: '24.99',
      category: 'S',
      rate: '21',
    },
  ],
  allowancesCharges: [
    {
      isCharge: false,
      reason: 'Volume discount',
      reasonCode: '95',
      amount: '20.00',
      vatCategory: 'S',
      vatRate: decimal('9'),
    },
    {
      isCharge: true,
      reason: 'Freight',
      reasonCode: 'FC',
      amount: '35.00',
      vatCategory: 'S',
      vatRate: decimal('21'),
    },
    {
      isCharge: false,
      reason: 'Loyalty discount',
      reasonCode: '95',
      amount: '5.50',
      vatCategory: 'S',
      vatRate: decimal('21'),
    },
  ],
})

/** A partial credit note on the first invoice (BT-25, BT-26). */
export const creditNote = document({
  type: 'credit_note',
  number: 'CN-2026-00001',
  issueDate: '2026-03-10',
  seller,
  buyer: dutchBuyer,
  buyerReference: 'PO-4711',
  precedingInvoice: { number: 'INV-2026-00001', issueDate: '2026-03-02' },
  paymentReference: '1234567890123452',
  language: 'nl',
  note: 'Retour: twee kaasmessen beschadigd.',
  lines: [
    {
      item: 'MES-01',
      name: 'Kaasmes',
      quantity: '2',
      price: '24.99',
      discount: '10',
      category: 'S',
      rate: '21',
    },
  ],
})

/** An invoice in USD with the VAT total also in the seller's accounting currency (BT-111). */
export const foreignCurrency = (() => {
  const doc = document({
    ...invoiceBase,
    number: 'INV-2026-00010',
    currency: 'USD',
    buyer: dutchBuyer,
    buyerReference: 'PO-4717',
    lines: [
      {
        item: 'GOUDA-OLD',
        name: 'Aged Gouda',
        quantity: '25',
        unit: 'KGM',
        price: '15.40',
        category: 'S',
        rate: '21',
      },
    ],
  })
  // 1 USD = 0.9215 EUR on the issue date; VAT in EUR rounded once, half away from zero.
  const rate = decimal('0.9215')
  const vatMinor = divideRounded(doc.totals.vatMinor * rate.units, 10n ** BigInt(rate.scale))
  return {
    ...doc,
    accountingCurrency: { currency: 'EUR', rate, vatMinor },
  } satisfies InvoiceDocument
})()

/** A final invoice after a prepayment: amount due = total − prepaid (BT-113, BT-115). */
export const prepaid = document({
  ...invoiceBase,
  number: 'INV-2026-00011',
  buyer: dutchBuyer,
  orderReference: 'ORD-2026-00020',
  prepaid: '500.00',
  lines: [
    {
      item: 'CELLAR',
      name: 'Cheese cellar shelving',
      quantity: '1',
      price: '1250.00',
      category: 'S',
      rate: '21',
    },
  ],
})

/** Every fixture by a name fit for a file. */
export const fixtureDocuments: Record<string, InvoiceDocument> = {
  'two-rates-line-discounts': twoRates,
  'zero-rated': zeroRated,
  exempt,
  'reverse-charge': reverseCharge,
  'intra-community': intraCommunity,
  'export-outside-eu': exportOutsideEu,
  'outside-scope': outsideScope,
  'early-payment-discount-instalments': discountAndInstalments,
  'allowances-and-charges': allowancesAndCharges,
  'credit-note': creditNote,
  'usd-with-eur-vat': foreignCurrency,
  prepaid,
}
