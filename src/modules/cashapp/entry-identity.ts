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
// "#occurrence". To count occurrences the importer keeps, per entry of the current statement,
// 53 bits of its digest as a number (some 40 bytes each, where the string would cost three
// times that: a statement of 275,000 entries holds about 11 MB). Two different entries of one
// statement that share those 53 bits would be counted as repeats; for 275,000 entries that
// happens once in some 240,000 statements, and its only effect is that one of them may be
// stored a second time if a later statement repeats it.

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

/** The identity stored on the entry: digest and occurrence (1 for the first). */
export function entryIdentity(digest: string, occurrence: number): string {
  return `${digest}#${occurrence}`
}

/** Counts the occurrences of entry digests within one statement. */
export function occurrenceCounter(): (digest: string) => number {
  const seen = new Map<number, number>()
  return (digest) => {
    const bytes = Buffer.from(digest.slice(0, 10), 'base64url')
    const key = bytes.readUIntBE(0, 6) * 32 + (bytes[6] >> 3)
    const occurrence = (seen.get(key) ?? 0) + 1
    seen.set(key, occurrence)
    return occurrence
  }
}
