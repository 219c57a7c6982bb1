import { isCurrency } from '../../../core/money.js'

// The column names of advice tables, in Dutch, English and German, as spreadsheet exports
// and the plain-text tables of mails write them. Several columns may hold an amount: the
// amount paid is the one an advice is about, so it wins over a plain "amount", which wins
// over the invoice's own amount (an advice lists the invoice amount, a discount and what is
// paid, in some order).

export type ColumnKind =
  | 'invoice'
  | 'reference'
  | 'amount_paid'
  | 'amount'
  | 'amount_invoiced'
  | 'currency'
  | 'payment_date'
  | 'payer'
  | 'iban'

const names: Record<ColumnKind, string[]> = {
  invoice: [
    'factuur',
    'factuurnummer',
    'factuurnr',
    'factuur nr',
    'factuur nummer',
    'fact nr',
    'invoice',
    'invoice number',
    'invoice no',
    'invoice nr',
    'invoice id',
    'invoice_number',
    'invoicenumber',
    'inv no',
    'rechnung',
    'rechnungsnummer',
    'rechnungsnr',
    'rechnungs nr',
    'rechnung nr',
    're nr',
    'belegnummer',
    'beleg nr',
    'document',
    'documentnummer',
    'document number',
    'doc no',
  ],
  reference: [
    'referentie',
    'uw referentie',
    'kenmerk',
    'reference',
    'your reference',
    'ref',
    'referenz',
    'ihre referenz',
  ],
  amount_paid: [
    'betaald',
    'betaald bedrag',
    'bedrag betaald',
    'betalingsbedrag',
    'netto betaald',
    'paid',
    'amount paid',
    'paid amount',
    'payment',
    'payment amount',
    'net paid',
    'bezahlt',
    'gezahlt',
    'zahlbetrag',
    'zahlungsbetrag',
    'überweisungsbetrag',
  ],
  amount: ['bedrag', 'amount', 'betrag', 'netto', 'net amount', 'nettobetrag'],
  amount_invoiced: [
    'factuurbedrag',
    'invoice amount',
    'rechnungsbetrag',
    'bruto',
    'gross',
    'brutto',
    'openstaand',
    'open amount',
    'offen',
  ],
  currency: ['valuta', 'munt', 'currency', 'cur', 'ccy', 'währung', 'waehrung'],
  payment_date: [
    'betaaldatum',
    'betalingsdatum',
    'valutadatum',
    'payment date',
    'value date',
    'zahlungsdatum',
    'valutadatum',
  ],
  payer: ['klant', 'debiteur', 'betaler', 'customer', 'payer', 'debtor', 'kunde', 'zahler'],
  iban: ['iban', 'rekening', 'rekeningnummer', 'account', 'konto'],
}

const kindOf = new Map<string, ColumnKind>(
  (Object.entries(names) as [ColumnKind, string[]][]).flatMap(([kind, words]) =>
    words.map((word) => [word, kind] as const),
  ),
)

export type Column = { index: number; name: string; kind: ColumnKind; currency?: string }

/**
 * What a header cell names, and the currency it states ("Bedrag (EUR)", "Betrag in €",
 * "Amount EUR"); undefined for a column an advice does not need (description, due date…).
 */
export function classifyColumn(cell: string, index: number): Column | undefined {
  let text = cell.trim().toLowerCase()
  let currency: string | undefined
  const stated = /[\s(]*(?:in\s+)?(€|eur|usd|gbp|chf|[a-z]{3})\)?$/.exec(text)
  if (stated) {
    const code = stated[1] === '€' ? 'EUR' : stated[1].toUpperCase()
    const base = text.slice(0, stated.index).trim()
    if (isCurrency(code) && base && kindOf.has(normal(base))) {
      currency = code
      text = base
    }
  }
  const kind = kindOf.get(normal(text))
  return kind ? { index, name: cell.trim(), kind, currency } : undefined
}

function normal(text: string): string {
  return text
    .replace(/[.:#*]/g, '')
    .replace(/[-_/]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

const amountRank: ColumnKind[] = ['amount_paid', 'amount', 'amount_invoiced']

/**
 * The columns an advice is read by: the invoice number (else a reference) and the amount
 * (paid, else plain, else invoiced); undefined unless both are there.
 */
export function adviceColumns(
  columns: Column[],
):
  | { invoice: Column; amount: Column; amounts: Column[]; byKind: Map<ColumnKind, Column> }
  | undefined {
  const byKind = new Map<ColumnKind, Column>()
  for (const column of columns) if (!byKind.has(column.kind)) byKind.set(column.kind, column)
  const invoice = byKind.get('invoice') ?? byKind.get('reference')
  const amount = amountRank.map((kind) => byKind.get(kind)).find((c) => c !== undefined)
  if (!invoice || !amount) return undefined
  const amounts = columns.filter((c) => amountRank.includes(c.kind))
  return { invoice, amount, amounts, byKind }
}
