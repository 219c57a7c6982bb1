import type { CalendarDate } from '../../core/dates.js'
import type { Candidate, MatchStatus, WriteOffKind } from './matching/model.js'
import type { ApplicationLineKind, BankTransactionStatus } from './tables.js'

// The shapes cash application hands to its callers (the import summary, the worklist, the
// export): what was decided for each bank transaction, what was applied, what is offered.

/** What one run of match-and-apply did, per bank transaction (a batch entry's parts count one by one). */
export type CashApplicationCounts = {
  /** Bank transactions looked at. */
  transactions: number
  /** Applied automatically (a payment recorded and allocated). */
  applied: number
  /** Waiting for a person, with ranked candidates. */
  suggested: number
  /** Nothing to go on (debits and returns that undid nothing included). */
  unmatched: number
  /** Returns and reversals that undid an applied credit (it is open again). */
  reversed: number
}

/** A person's own allocation of a bank transaction (the worklist's "apply manually"). */
export type ManualApplication = {
  customerId: string
  allocations: { invoiceId: string; amountMinor: bigint }[]
  writeOffs?: { kind: WriteOffKind; invoiceId: string; amountMinor: bigint }[]
}

/**
 * What applyCandidate applies: one of the stored candidates by its rank (1 is the best), a
 * candidate as the matching gave it, or a person's own allocations. The rest of the payment
 * stays unapplied cash on the customer.
 */
export type ApplyChoice = { rank: number } | { candidate: Candidate } | ManualApplication

export type ApplyOptions = {
  /** The part of a batch entry (camt TxDtls); 0 (the default) for an entry that is one. */
  transactionIndex?: number
  /** When given, the milliseconds spent per step are added to it (benchmarks). */
  timings?: Record<string, number>
}

export type ApplicationLine = {
  kind: ApplicationLineKind
  invoiceId: string
  invoiceNumber: string
  amountMinor: bigint
  settlementId: string
}

/** One application of a bank transaction (live, or reversed). */
export type CashApplication = {
  id: string
  bankTransactionId: string
  customerId: string
  paymentId: string
  journalEntryId: string
  currency: string
  paymentMinor: bigint
  unappliedMinor: bigint
  appliedBy: 'matching' | 'person'
  confidence: number | null
  reasons: string[]
  lines: ApplicationLine[]
  createdAt: Date
  createdBy: string
  reversedAt: Date | null
  reversalReason: string | null
}

export type StoredCandidate = Candidate & { rank: number }

/** A bank transaction with what the matching said and what is applied: a worklist row. */
export type BankTransactionView = {
  id: string
  bankEntryId: string
  transactionIndex: number
  /** The bank's entry reference: AcctSvcrRef, else NtryRef; MT940 the bank reference. */
  entryRef: string | null
  amountMinor: bigint
  currency: string
  sign: 'C' | 'D'
  bookedOn: CalendarDate | null
  counterpartyName: string | null
  counterpartyIban: string | null
  endToEndId: string | null
  /** The remittance information of the transaction (a batch entry's part: its own). */
  remittance: { unstructured: string | null; structuredReference: string | null }
  decision: MatchStatus
  status: BankTransactionStatus
  notes: string[]
  candidates: StoredCandidate[]
  application: CashApplication | null
  reversesTransactionId: string | null
  /** Moves on at every change; the ETag of the worklist row (If-Match on its acts). */
  version: number
}
