import type { CalendarDate } from '../../../core/dates.js'
import type { Decimal } from '../../../core/money.js'

// What the matching engine reads and what it answers. Pure data: the statement import builds a
// MatchBook from the tenant's tables once per run and asks matchTransaction for each bank entry.

export type OpenItem = {
  invoiceId: string
  /** As printed on the invoice, e.g. 'INV-2026-00042'. */
  number: string
  customerId: string
  currency: string
  openMinor: bigint
  issueDate: CalendarDate
  dueDate: CalendarDate
  /** Early-payment discount: the amount that may be deducted when paid on or before the date. */
  discountMinor?: bigint
  discountUntil?: CalendarDate
  /** The structured payment reference printed on the invoice (nl, RF or Belgian form). */
  paymentReference?: string
}

export type CustomerRecord = {
  customerId: string
  number: string
  legalName: string
  tradingName?: string
  groupId?: string
  /** IBANs from master data (electronic format or printed; normalised when the book is built). */
  ibans: string[]
}

/** Taught by people's manual matches: this account, or this payer name, pays for that customer. */
export type LearnedLink =
  | { kind: 'iban'; iban: string; customerId: string }
  | { kind: 'payer_name'; payerName: string; customerId: string }

/** A customer's own statement of what a payment covers (CSV, mail, PDF text), already parsed. */
export type RemittanceAdvice = {
  adviceId: string
  payerName?: string
  payerIban?: string
  amountMinor: bigint
  currency: string
  date: CalendarDate
  lines: { invoiceNumber: string; amountMinor: bigint }[]
}

export type MatchSettings = {
  /** A shortfall up to this much is written off as a small difference (rounding, cents). */
  smallDifferenceMinorMax: bigint
  /** A shortfall up to this much is taken to be a bank fee deducted on the way… */
  bankFeeMinorMax: bigint
  /** …when it is at most this share of what is paid for (a 13.00 'fee' on 40.00 is not one). */
  bankFeePercentMax: bigint
  /** Days after the discount date that a discounted payment is still accepted (bank delay). */
  discountGraceDays: number
  /** Days between a remittance advice and its payment. */
  adviceDaysMax: number
}

export const defaultMatchSettings: MatchSettings = {
  smallDifferenceMinorMax: 100n,
  bankFeeMinorMax: 2_500n,
  bankFeePercentMax: 5n,
  discountGraceDays: 5,
  adviceDaysMax: 10,
}

/**
 * The tenant's rate from one currency to another on a date: 1 unit of `from` is `rate` units
 * of `to`. Undefined when the tenant has none.
 */
export type RateLookup = (from: string, to: string, date: CalendarDate) => Decimal | undefined

export type WriteOffKind = 'discount' | 'bank_fee' | 'small_difference'

export type Allocation = { invoiceId: string; amountMinor: bigint }

export type Candidate = {
  customerId: string
  /** The currency of the allocations: the invoices' currency. */
  currency: string
  /** The payment in that currency (converted at the tenant's rate when the bank's differs). */
  paymentMinor: bigint
  allocations: Allocation[]
  unappliedMinor: bigint
  /** What is written off on each invoice beside the cash: closes it without being paid. */
  writeOffs: { kind: WriteOffKind; invoiceId: string; amountMinor: bigint }[]
  confidence: number
  reasons: string[]
  /** The remittance advice whose lines these allocations follow: used up once applied. */
  adviceId?: string
}

export type MatchStatus = 'auto' | 'suggested' | 'unmatched'

export type MatchOutcome = {
  status: MatchStatus
  /** Best first. Empty when unmatched. */
  candidates: Candidate[]
  /** Why the status is what it is, when that is not the first candidate's reasons. */
  notes: string[]
}
