import {
  formatDutchPaymentReference,
  paymentReferenceFor,
} from '../../../core/payment-reference.js'
import type { BankEntry } from '../bank-files/model.js'
import type { CustomerRecord, OpenItem } from './model.js'

// A small tenant for the matching tests: a Dutch bakery, a German haulier and a Belgian
// printer, two sister companies, and an unrelated wholesaler.

export const customers: CustomerRecord[] = [
  {
    customerId: 'c-jansen',
    number: 'C001',
    legalName: 'Bakkerij Jansen B.V.',
    ibans: ['NL91 ABNA 0417 1643 00'],
  },
  {
    customerId: 'c-mueller',
    number: 'C002',
    legalName: 'Müller Spedition GmbH',
    tradingName: 'Müller Transporte',
    ibans: ['DE89370400440532013000'],
  },
  {
    customerId: 'c-drukkerij',
    number: 'C003',
    legalName: 'Drukkerij Van den Berghe NV',
    ibans: ['BE68539007547034'],
  },
  {
    customerId: 'c-holding',
    number: 'C004',
    legalName: 'De Vries Holding B.V.',
    groupId: 'g-devries',
    ibans: ['NL02RABO0123456789'],
  },
  {
    customerId: 'c-devries-bouw',
    number: 'C005',
    legalName: 'De Vries Bouw B.V.',
    groupId: 'g-devries',
    ibans: [],
  },
  {
    customerId: 'c-groothandel',
    number: 'C006',
    legalName: 'Groothandel Smit V.O.F.',
    ibans: ['NL20INGB0001234567'],
  },
]

export const ibanOf = {
  jansen: 'NL91ABNA0417164300',
  mueller: 'DE89370400440532013000',
  drukkerij: 'BE68539007547034',
  holding: 'NL02RABO0123456789',
  smit: 'NL20INGB0001234567',
  stranger: 'NL44RABO0123456780',
}

function item(
  sequence: number,
  customerId: string,
  open: bigint,
  due: string,
  more: Partial<OpenItem> = {},
): OpenItem {
  return {
    invoiceId: `i-${sequence}`,
    number: `INV-2026-${String(sequence).padStart(5, '0')}`,
    customerId,
    currency: 'EUR',
    openMinor: open,
    issueDate: due.replace(/-\d\d$/, '-01'),
    dueDate: due,
    paymentReference: paymentReferenceFor('nl', sequence),
    ...more,
  }
}

export const openItems: OpenItem[] = [
  item(41, 'c-jansen', 12_100n, '2026-03-01'),
  item(42, 'c-jansen', 30_250n, '2026-03-15', {
    discountMinor: 605n,
    discountUntil: '2026-03-10',
  }),
  item(43, 'c-jansen', 8_000n, '2026-04-01'),
  item(50, 'c-mueller', 99_900n, '2026-03-20', { paymentReference: paymentReferenceFor('rf', 50) }),
  item(51, 'c-mueller', 45_000n, '2026-03-25'),
  item(60, 'c-drukkerij', 72_600n, '2026-03-30', {
    paymentReference: paymentReferenceFor('be', 60),
  }),
  item(70, 'c-holding', 5_000n, '2026-03-05'),
  item(71, 'c-devries-bouw', 64_130n, '2026-03-06'),
  // Smit owes 450.00 twice over: one invoice, or two that make the same sum.
  item(80, 'c-smit', 45_000n, '2026-02-01', { customerId: 'c-groothandel' }),
  item(81, 'c-groothandel', 20_000n, '2026-02-02'),
  item(82, 'c-groothandel', 25_000n, '2026-02-03'),
  item(90, 'c-groothandel', 1_500_00n, '2026-03-01', { currency: 'USD' }),
]

export const printedReference = (sequence: number) =>
  formatDutchPaymentReference(paymentReferenceFor('nl', sequence))

/** A credit transfer into our account; tests override what matters to them. */
export function credit(amount: string, more: Partial<BankEntry> = {}): BankEntry {
  return {
    bookingDate: '2026-03-08',
    valueDate: '2026-03-08',
    amount,
    currency: 'EUR',
    sign: 'C',
    reversal: false,
    bankReference: null,
    customerReference: null,
    endToEndId: null,
    mandateId: null,
    counterparty: { name: null, iban: null, bic: null },
    remittance: { unstructured: null, structuredReference: null },
    bankTransactionCode: 'PMNT/RCDT/ESCT',
    returnReason: null,
    details: [],
    ...more,
  }
}

export function from(name: string | null, iban: string | null): Pick<BankEntry, 'counterparty'> {
  return { counterparty: { name, iban, bic: null } }
}

export function saying(unstructured: string): Pick<BankEntry, 'remittance'> {
  return { remittance: { unstructured, structuredReference: null } }
}
