import { electronicFormatIBAN, isValidIBAN } from 'ibantools'
import { type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { isCurrency } from '../../../core/money.js'

// Reading the values people write in an advice, in Dutch, English and German: amounts as
// "1.234,56", "1,234.56", "€ 100,00", "100,-" or "EUR -50.00"; dates as "14-03-2026",
// "14.03.2026", "2026-03-14" or "14 maart 2026"; labels such as "Betaler:", "Zahler:",
// "Totaal:". Pure functions on strings; the parsers name the place when one fails.

export type DecimalSeparator = ',' | '.'

/** Currency signs and the code each one means. A bare '$' is taken as USD. */
const currencySigns: Record<string, string> = { '€': 'EUR', $: 'USD', '£': 'GBP' }

/**
 * The amount in a cell or token as a signed decimal string ('1234.56', '-50', '100'), and the
 * currency written beside it, or undefined when the text is not one amount.
 *
 * A single separator followed by exactly three digits ("1.234") is a thousands separator,
 * unless the document's decimal separator (`decimal`) is known to be that one: no currency in
 * an advice has three decimals that a person writes without the other separator, and "1.234"
 * for 1,234 is what spreadsheets print.
 */
export function readAmount(
  text: string,
  decimal?: DecimalSeparator,
): { amount: string; currency?: string } | undefined {
  let rest = text.trim()
  let currency: string | undefined
  let negative = false
  if (/^\(.*\)$/.test(rest)) {
    negative = true // accountants' brackets: (50,00) is minus 50.00
    rest = rest.slice(1, -1).trim()
  }
  const sign = (s: string) => {
    if (/^[-−]/.test(s)) {
      negative = true
      return s.slice(1).trim()
    }
    return s
  }
  rest = sign(rest)
  const head = /^(€|\$|£|[A-Z]{3})\s*/.exec(rest)
  if (head && (currencySigns[head[1]] || isCurrency(head[1]))) {
    currency = currencySigns[head[1]] ?? head[1]
    rest = sign(rest.slice(head[0].length))
  }
  const tail = /\s*(€|\$|£|[A-Z]{3})$/.exec(rest)
  if (!currency && tail && (currencySigns[tail[1]] || isCurrency(tail[1]))) {
    currency = currencySigns[tail[1]] ?? tail[1]
    rest = rest.slice(0, tail.index)
  }
  if (/[-−]$/.test(rest) && !/[.,][-−]$/.test(rest)) {
    negative = true // "50,00-" as some bookkeeping exports write a minus
    rest = rest.slice(0, -1)
  }
  // "100,-" and "100.-": whole units.
  rest = rest.replace(/[.,][-−]$/, '')
  // Spaces (also no-break and thin ones) and apostrophes group thousands: 1 234,56 / 1'234.56.
  rest = rest.replace(/[\s\u00a0\u202f']/g, '')
  const number = normaliseNumber(rest, decimal)
  if (number === undefined) return undefined
  const zero = /^0+(\.0+)?$/.test(number)
  return { amount: negative && !zero ? `-${number}` : number, currency }
}

function normaliseNumber(text: string, decimal?: DecimalSeparator): string | undefined {
  if (!/^\d[\d.,]*$/.test(text) || /[.,]$/.test(text)) return undefined
  const dots = text.split('.').length - 1
  const commas = text.split(',').length - 1
  let separator: DecimalSeparator | undefined
  if (dots > 0 && commas > 0) {
    separator = text.lastIndexOf('.') > text.lastIndexOf(',') ? '.' : ','
    if ((separator === '.' ? dots : commas) > 1) return undefined
  } else if (dots + commas === 1) {
    const mark: DecimalSeparator = dots === 1 ? '.' : ','
    const fraction = text.slice(text.indexOf(mark) + 1)
    separator = fraction.length === 3 && decimal !== mark ? undefined : mark
  }
  const [whole, fraction = ''] = separator ? text.split(separator) : [text]
  const grouping = separator === '.' ? ',' : '.'
  if (whole.includes(grouping) && !/^\d{1,3}([.,]\d{3})+$/.test(whole)) return undefined
  const digits = whole.replaceAll(grouping, '').replace(/^0+(?=\d)/, '')
  if (!/^\d+$/.test(digits) || !/^\d*$/.test(fraction)) return undefined
  return fraction ? `${digits}.${fraction}` : digits
}

/** The decimal separator the unambiguous amounts among `samples` use, if they agree on one. */
export function decimalSeparatorOf(samples: string[]): DecimalSeparator | undefined {
  let seen: DecimalSeparator | undefined
  for (const sample of samples) {
    const text = sample.replace(/[^\d.,]/g, '')
    const last = /[.,](\d{1,2})$/.exec(text)
    const both = text.includes('.') && text.includes(',')
    const mark = (last ?? both) ? (text.lastIndexOf('.') > text.lastIndexOf(',') ? '.' : ',') : null
    if (!mark) continue
    if (seen && seen !== mark) return undefined
    seen = mark
  }
  return seen
}

/**
 * Amounts as they stand in running text: a number with decimals ("1.234,56", "100,-") or one
 * next to a currency ("€ 100", "100 EUR"). A bare number ("2026", "42") is not taken for an
 * amount: in an advice it is far more often part of an invoice number or a date.
 */
export const amountInText =
  /(?<![\w.,\-/])(?:(?:€|\$|£|EUR|USD|GBP|CHF)\s?[-−]?\s?\d{1,3}(?:(?:[.,'\u00a0\u202f]|\s(?=\d{3}\b))\d{3})*(?:[.,](?:\d{1,2}|-))?|[-−]?\d{1,3}(?:(?:[.,'\u00a0\u202f]|\s(?=\d{3}\b))\d{3})*[.,](?:\d{1,2}|-)(?:\s?(?:€|EUR|USD|GBP|CHF))?|[-−]?\d+(?:[.,](?:\d{1,2}|-))?\s?(?:€|EUR|USD|GBP|CHF)|[-−]?\d{4,}[.,]\d{1,2})(?![\w,.\-/]*\d)/g

const monthNames: Record<string, number> = {
  jan: 1,
  januari: 1,
  january: 1,
  januar: 1,
  feb: 2,
  februari: 2,
  february: 2,
  februar: 2,
  mrt: 3,
  mar: 3,
  maart: 3,
  march: 3,
  märz: 3,
  maerz: 3,
  apr: 4,
  april: 4,
  mei: 5,
  may: 5,
  mai: 5,
  jun: 6,
  juni: 6,
  june: 6,
  jul: 7,
  juli: 7,
  july: 7,
  aug: 8,
  augustus: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  okt: 10,
  oct: 10,
  oktober: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  dez: 12,
  december: 12,
  dezember: 12,
}

/**
 * Dates in running text. Numeric dates are day first, as in the Netherlands, Belgium and
 * Germany (14-03-2026, 14.03.2026, 14/03/2026, 14-03-26), or ISO (2026-03-14).
 */
export const dateInText =
  /(?<![\w-])(?:(\d{4})-(\d{2})-(\d{2})|(\d{1,2})[-./](\d{1,2})[-./](\d{4}|\d{2})|(\d{1,2})\.?\s([A-Za-zä]{3,9})\.?\s(\d{4}))(?![\w-])/g

/** The calendar date a match of dateInText stands for, if it is a real date. */
export function dateOf(match: RegExpExecArray | RegExpMatchArray): CalendarDate | undefined {
  const pad = (n: string | number) => String(n).padStart(2, '0')
  let date: string | undefined
  if (match[1]) date = `${match[1]}-${match[2]}-${match[3]}`
  else if (match[6]) {
    // A two-digit year is this century's: advices are about payments of the last weeks.
    const year = match[6].length === 2 ? `20${match[6]}` : match[6]
    date = `${year}-${pad(match[5])}-${pad(match[4])}`
  } else if (match[9]) {
    const month = monthNames[match[8].toLowerCase()]
    if (month) date = `${match[9]}-${pad(month)}-${pad(match[7])}`
  }
  return date && isCalendarDate(date) ? date : undefined
}

/** The first date in a text, if any. */
export function readDate(text: string): CalendarDate | undefined {
  for (const match of text.matchAll(dateInText)) {
    const date = dateOf(match)
    if (date) return date
  }
  return undefined
}

/** The IBAN in a text (spaces allowed), in electronic format, when its check digits hold. */
export function readIban(text: string): string | undefined {
  for (const match of text.toUpperCase().matchAll(/\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){10,30}\b/g)) {
    const iban = electronicFormatIBAN(match[0])
    if (iban && isValidIBAN(iban)) return iban
  }
  return undefined
}

/** What a labelled line ("Betaler: …", "Total: …") says, by the label's meaning. */
export type LabelKind = 'payer' | 'iban' | 'date' | 'currency' | 'total'

// Labels as advices write them, lower case, without the colon. A label that is also a
// column name (bedrag, amount) counts as the total only on a line that names no invoice.
const labels: Record<LabelKind, string[]> = {
  payer: [
    'betaler',
    'betaald door',
    'opdrachtgever',
    'klant',
    'debiteur',
    'bedrijf',
    'naam',
    'van',
    'payer',
    'paid by',
    'customer',
    'company',
    'debtor',
    'name',
    'from',
    'zahler',
    'bezahlt von',
    'auftraggeber',
    'kunde',
    'firma',
    'absender',
  ],
  iban: [
    'iban',
    'rekening',
    'rekeningnummer',
    'bankrekening',
    'van rekening',
    'account',
    'bank account',
    'from account',
    'konto',
    'kontonummer',
    'iban zahler',
    'iban betaler',
    'iban payer',
  ],
  date: [
    'datum',
    'betaaldatum',
    'betalingsdatum',
    'uitvoeringsdatum',
    'valutadatum',
    'betaald op',
    'date',
    'payment date',
    'value date',
    'execution date',
    'paid on',
    'zahlungsdatum',
    'überweisungsdatum',
    'ausführungsdatum',
    'bezahlt am',
  ],
  currency: ['valuta', 'munt', 'currency', 'währung', 'waehrung'],
  total: [
    'totaal',
    'totaalbedrag',
    'totaal betaald',
    'totaal bedrag',
    'betaald bedrag',
    'overgemaakt',
    'bedrag',
    'total',
    'total amount',
    'total paid',
    'amount paid',
    'amount',
    'sum',
    'summe',
    'gesamt',
    'gesamtbetrag',
    'betrag',
    'zahlbetrag',
    'überwiesen',
    'ueberwiesen',
  ],
}

const labelKinds = new Map<string, LabelKind>(
  (Object.entries(labels) as [LabelKind, string[]][]).flatMap(([kind, words]) =>
    words.map((word) => [word, kind] as const),
  ),
)

/** A "Label: value" line, when the label is one an advice uses. */
export function readLabelled(line: string): { kind: LabelKind; value: string } | undefined {
  const match = /^\s*([\p{L}][\p{L} .]{0,30}?)\s*[:=]\s*(\S.*)$/u.exec(line)
  if (!match) return undefined
  const label = match[1]
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/\s+/g, ' ')
    .replace(/^(uw|your|ihr|ihre) /, '')
  const kind = labelKinds.get(label)
  return kind ? { kind, value: match[2].trim() } : undefined
}

/** Words that open a total line without a colon: "Totaal 1.334,56", "Summe: 1.334,56 €". */
export const totalWords =
  /^\s*(totaal|totaalbedrag|total|totals|sum|summe|gesamt|gesamtbetrag|overgemaakt|transferred|überwiesen)\b/i
