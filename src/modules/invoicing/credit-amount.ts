import { allocate, type Decimal, divideRounded, vatForCategory } from '../../core/money.js'
import type { VatBreakdown, VatCategory } from './document.js'
import type { ComputedTotals } from './totals.js'

// A credit note for an amount: the user names what the customer gets back, VAT included
// ("credit 50.00 for the late delivery"), and o2c splits it into net and VAT per VAT category
// and rate of the invoice. The rounding, step by step (DESIGN.md invariant 1):
//
// 1. The amount is shared over the invoice's VAT categories in proportion to what each one
//    weighed on the invoice, VAT included (taxable + VAT of the breakdown row), with
//    `allocate` (largest remainder): the category parts sum to the amount exactly.
// 2. Each category part (gross) is split into net and VAT: net = gross × 100 / (100 + rate),
//    rounded half away from zero (divideRounded); VAT = gross − net. Categories other than S
//    carry no VAT: net = gross.
// 3. Where a net exists whose VAT by the invoice rule (vatForCategory, BR-CO-17: taxable ×
//    rate rounded once) gives exactly the gross, that net is taken, so the credit note's VAT
//    is what computeTotals would compute. For about one gross in six at 21 % no such net
//    exists (net + VAT jumps by two cents there), and the VAT is gross − net, one cent from
//    taxable × rate; EN 16931 BR-CO-17 accepts a category's VAT within one currency unit of
//    taxable × rate, so the credit note stays valid and its total is the amount, exactly.
//
// The credit note's total thus always equals the requested amount, and never exceeds it.

export type CreditBreakdownRow = {
  category: VatCategory
  rate: Decimal
  /** What the category weighed on the invoice: its taxable amount and VAT (BT-116, BT-117). */
  taxableMinor: bigint
  vatMinor: bigint
}

export type CreditAmountPart = {
  category: VatCategory
  rate: Decimal
  /** The category's share of the amount, VAT included. */
  grossMinor: bigint
  netMinor: bigint
  vatMinor: bigint
  /** True when vatMinor ≠ vatForCategory(netMinor, rate) (step 3: one cent off, gross kept). */
  vatSplitFromGross: boolean
}

/**
 * Splits an amount including VAT over the VAT categories of an invoice, in proportion.
 *
 *   splitCreditAmount(1210n, [{ category: 'S', rate: 21%, taxableMinor: 10000n, vatMinor: 2100n }])
 *   → [{ category: 'S', grossMinor: 1210n, netMinor: 1000n, vatMinor: 210n, … }]
 *
 * Throws on programmer mistakes only (no categories, no positive weight, amount ≤ 0); the
 * service checks the amount against what is open before it gets here.
 */
export function splitCreditAmount(
  amountMinor: bigint,
  breakdown: readonly CreditBreakdownRow[],
): CreditAmountPart[] {
  if (amountMinor <= 0n) throw new Error('splitCreditAmount needs an amount above 0')
  // A category whose allowances outweigh its lines (a negative taxable amount) takes no part.
  const weights = breakdown.map((row) => {
    const gross = row.taxableMinor + row.vatMinor
    return gross > 0n ? gross : 0n
  })
  const grossParts = allocate(amountMinor, weights)
  return breakdown
    .map((row, index) => ({ row, grossMinor: grossParts[index] }))
    .filter(({ grossMinor }) => grossMinor > 0n)
    .map(({ row, grossMinor }) => ({
      category: row.category,
      rate: row.rate,
      grossMinor,
      ...splitGross(grossMinor, row.category, row.rate),
    }))
}

/** Net and VAT of one category's gross amount (steps 2 and 3 above). */
export function splitGross(
  grossMinor: bigint,
  category: VatCategory,
  rate: Decimal,
): { netMinor: bigint; vatMinor: bigint; vatSplitFromGross: boolean } {
  if (category !== 'S' || rate.units === 0n) {
    return { netMinor: grossMinor, vatMinor: 0n, vatSplitFromGross: false }
  }
  const hundred = 100n * 10n ** BigInt(rate.scale)
  const net = divideRounded(grossMinor * hundred, hundred + rate.units)
  // The net whose VAT by the invoice rule lands on the gross is net itself or a neighbour.
  for (const candidate of [net, net - 1n, net + 1n]) {
    if (candidate >= 0n && candidate + vatForCategory(candidate, rate) === grossMinor) {
      return {
        netMinor: candidate,
        vatMinor: grossMinor - candidate,
        vatSplitFromGross: false,
      }
    }
  }
  return { netMinor: net, vatMinor: grossMinor - net, vatSplitFromGross: true }
}

/**
 * Issuing computes a draft's totals again from its lines (issue.ts). A credit note for an
 * amount keeps the VAT its draft carries where that was split from the gross (step 3): one
 * minor unit from taxable × rate, and only in category S. Any other difference is not ours
 * and the computed VAT stands.
 */
export function withVatSplitFromGross(
  computed: ComputedTotals,
  drafted: readonly VatBreakdown[],
): ComputedTotals {
  let shift = 0n
  const vatBreakdown = computed.vatBreakdown.map((row) => {
    const kept = drafted.find(
      (d) =>
        d.category === row.category &&
        d.rate.units * 10n ** BigInt(row.rate.scale) ===
          row.rate.units * 10n ** BigInt(d.rate.scale),
    )
    const off = kept ? kept.vatMinor - row.vatMinor : 0n
    if (row.category !== 'S' || (off !== 1n && off !== -1n)) return row
    shift += off
    return { ...row, vatMinor: row.vatMinor + off }
  })
  if (shift === 0n) return computed
  const { totals } = computed
  return {
    vatBreakdown,
    totals: {
      ...totals,
      vatMinor: totals.vatMinor + shift,
      taxInclusiveMinor: totals.taxInclusiveMinor + shift,
      payableMinor: totals.payableMinor + shift,
    },
  }
}
