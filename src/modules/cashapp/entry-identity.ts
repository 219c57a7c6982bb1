import { createHash } from 'node:crypto'
import type { BankEntry } from './bank-files/model.js'

// When is an entry of a statement "the same transaction" as one stored before? Banks repeat
// entries: the same statement downloaded twice, an MT940 of today that overlaps yesterday's,
// a month's camt.053 after the daily ones. What stays the same across such repeats is the
// booking itself as the bank keeps it, so the identity of an entry is, within one account:
//
//   booking date, value date, sign, reversal, amount (in minor units) and currency,
//   the bank's reference (AcctSvcrRef / MT940 bank reference), the customer reference
//   (NtryRef / MT940 customer reference), the end-to-end id, the counterparty's IBAN, and
//   the remittance (unstructured text and structured reference),
//   and its occurrence: the how-many-th entry with all of the above within its statement.
//
// The occurrence keeps two genuinely identical bookings of one statement apart (two equal
// card payments on a day without references): both are stored, and a later statement
// repeating both finds both. Left out on purpose: the position (it moves when a statement
// overlaps another), the bank transaction code and the counterparty's name and BIC (banks
// render them differently in intraday and end-of-day files), and the batch details.
//
// The stored identity is a digest of those fields (sha-256, 128 bits in base64url) plus
// "#occurrence". The digest is computed here; the occurrence is counted by the import in the
// database, in a temporary table of its transaction (statement-import.ts), so that nothing
// held in this process grows with the statement.

/** The digest of an entry's identifying fields, without its occurrence. */
export function entryDigest(entry: BankEntry, amountMinor: bigint): string {
  const fields = [
    entry.bookingDate,
    entry.valueDate,
    entry.sign,
    entry.reversal,
    amountMinor.toString(),
    entry.currency,
    entry.bankReference,
    entry.customerReference,
    entry.endToEndId,
    entry.counterparty.iban,
    entry.remittance.unstructured,
    entry.remittance.structuredReference,
  ]
  return createHash('sha256')
    .update(JSON.stringify(fields))
    .digest()
    .subarray(0, 16)
    .toString('base64url')
}
