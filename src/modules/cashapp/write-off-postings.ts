import { allocate, decimalFromStore, formatDecimal } from '../../core/money.js'
import type { VatShare } from '../invoicing/index.js'
import type { AccountPurpose } from '../ledger/index.js'
import type { WriteOffKind } from './matching/model.js'

// Where a write-off goes in the ledger. A bank fee is the bank's cost (bank fees), a small
// difference a write-off. An early-payment discount is a price reduction after the fact: the
// VAT charged on the invoice was too high by the discount's share of VAT, so the discount is
// split over the invoice's VAT breakdown (per rate: taxable and VAT, by largest remainder) and
// the VAT part reduces VAT payable at that rate (Dutch Wet OB art. 8 lid 2 / EU VAT Directive
// art. 90: the taxable amount is reduced by a price reduction after the supply).

export type WriteOffPosting = { purpose: AccountPurpose; amountMinor: bigint }

/** The debit postings of one write-off; they sum to its amount. */
export function writeOffPostings(
  kind: WriteOffKind,
  amountMinor: bigint,
  vat: readonly VatShare[] | undefined,
): WriteOffPosting[] {
  if (kind === 'bank_fee') return [{ purpose: 'bank_fees', amountMinor }]
  if (kind === 'small_difference') return [{ purpose: 'write_off', amountMinor }]
  const shares = (vat ?? []).filter((s) => s.taxableMinor + s.vatMinor > 0n)
  if (shares.length === 0 || shares.every((s) => s.vatMinor <= 0n)) {
    // No VAT on the invoice (an opening balance, an exempt or reverse-charged supply).
    return [{ purpose: 'early_payment_discount', amountMinor }]
  }
  const weights = shares.flatMap((s) => [
    s.taxableMinor > 0n ? s.taxableMinor : 0n,
    s.vatMinor > 0n ? s.vatMinor : 0n,
  ])
  const parts = allocate(amountMinor, weights)
  const byPurpose = new Map<AccountPurpose, bigint>()
  const add = (purpose: AccountPurpose, minor: bigint) => {
    if (minor !== 0n) byPurpose.set(purpose, (byPurpose.get(purpose) ?? 0n) + minor)
  }
  shares.forEach((share, index) => {
    add('early_payment_discount', parts[2 * index])
    add(vatPurpose(share.ratePercent), parts[2 * index + 1])
  })
  return [...byPurpose].map(([purpose, minor]) => ({ purpose, amountMinor: minor }))
}

/** The VAT payable account of a rate, as invoicing books it at issue. */
export function vatPurpose(ratePercent: string): AccountPurpose {
  const rate = formatDecimal(decimalFromStore(ratePercent))
  return rate === '21' ? 'vat_payable_21' : rate === '9' ? 'vat_payable_9' : 'vat_payable_other'
}
