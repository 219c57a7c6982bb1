import type { CalendarDate } from '../../core/dates.js'
import type { PostalAddress, Seller } from '../invoicing/index.js'

// A customer's statement of account as the PDF (and the CSV beside it) shows it: what is
// open on a date and what came in lately. Another part of o2c fills it from the database
// (the open items are derived, DESIGN.md invariant 4); rendering it is a pure function.
// Amounts are minor units of `currency`.

export type StatementOpenItem = {
  /** The invoice number (or credit note number; its open amount is then negative). */
  number: string
  issueDate: CalendarDate
  dueDate: CalendarDate
  totalMinor: bigint
  openMinor: bigint
  /** Days past the due date on `asOf`; 0 or less when not yet due. */
  daysOverdue: number
}

export type StatementPayment = {
  date: CalendarDate
  /** What the payment referred to: a payment reference, an invoice number, a bank text. */
  reference: string
  amountMinor: bigint
}

/** Collection costs or interest charged on an invoice (collections' charges), still owed. */
export type StatementCharge = {
  /** The invoice the charge is on. */
  number: string
  kind: 'collection_costs' | 'interest'
  chargedOn: CalendarDate
  /** Interest: the days it covers (both inclusive). */
  periodFrom: CalendarDate | null
  periodTo: CalendarDate | null
  /** Negative for a reversal. */
  amountMinor: bigint
}

export type CustomerStatement = {
  seller: Seller
  customer: { name: string; number: string; address: PostalAddress }
  asOf: CalendarDate
  currency: string
  openItems: StatementOpenItem[]
  recentPayments: StatementPayment[]
  /** Collection costs and interest charged up to asOf; part of totalOpenMinor. */
  charges: StatementCharge[]
  chargesMinor: bigint
  /** The open items plus the charges. */
  totalOpenMinor: bigint
  overdueMinor: bigint
}
