import type { CalendarDate } from '../../../core/dates.js'

// What the remittance parsers read out of a customer's advice, before it is an advice in
// money: amounts stay signed decimal strings ('1234.56', '-50.00') because the currency that
// decides the minor units may be stated anywhere in the document, or only by the person who
// imports it. advice.ts turns a ParsedAdvice into minor units and checks its total.

export const adviceSources = ['csv', 'email', 'pdf', 'api'] as const
export type AdviceSource = (typeof adviceSources)[number]

/** Where in the document a value was read: 1-based line, and the column when there is one. */
export type Place = { line: number; column?: string }

export type ParsedLine = { invoiceNumber: string; amount: string; place: Place }

export type ParsedAdvice = {
  source: AdviceSource
  payerName?: string
  /** Electronic format (no spaces, upper case), checked by its check digits. */
  payerIban?: string
  currency?: string
  date?: CalendarDate
  /** The total the document states, when it states one. */
  total?: { amount: string; place: Place }
  lines: ParsedLine[]
}

/** What the person importing (CLI flags, API fields) says about the advice; wins over the file. */
export type AdviceGiven = {
  payerName?: string
  payerIban?: string
  currency?: string
  date?: CalendarDate
}

/** An advice in money: minor units of its currency, total checked against its lines. */
export type AdviceDraft = {
  source: AdviceSource
  payerName: string | null
  payerIban: string | null
  currency: string
  date: CalendarDate
  amountMinor: bigint
  /** Whether the document stated its total (else the total is the sum of the lines). */
  totalStated: boolean
  lines: { invoiceNumber: string; amountMinor: bigint; line: number }[]
}
