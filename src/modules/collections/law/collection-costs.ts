import { addDays, type CalendarDate } from '../../../core/dates.js'
import { allocate, type Decimal, divideRounded, vatForCategory } from '../../../core/money.js'
import { wikScale } from './data-files.js'

// Statutory collection costs in the Netherlands (buitengerechtelijke incassokosten): art. 6:96
// lid 2 sub c and lid 4–6 BW and the Besluit vergoeding voor buitengerechtelijke incassokosten
// (BWBR0031432, in force since 1 July 2012). Amounts are euro cents (bigint); the scale is in
// euros, so a claim in another currency must be converted before it is priced here.
// Reference: ../shared/reference/nl-collections.md §1.

/** Art. 2 lid 2 Besluit: the costs are at least €40, whatever the principal. */
export const collectionCostsMinimumMinor = 4_000n

/**
 * The statutory collection costs for one principal (hoofdsom) in euro cents: the WIK scale of
 * data/wik-scale.csv, at least €40, at most €6,775. The percentage part is rounded once to the
 * cent, half away from zero (the Besluit names no rounding; see docs/decisions/0007).
 * A principal of zero owes nothing, so it costs nothing.
 *
 * The principal is the claim without accrued interest (nl-collections.md §1.2), taken when the
 * claim goes to collection: later partial payments do not lower it (Hof 's-Hertogenbosch
 * 22-07-2014, ECLI:NL:GHSHE:2014:2234, one source).
 *
 *   statutoryCollectionCosts(100_000n)   // €1,000 → 15_000n (€150)
 *   statutoryCollectionCosts(10_000n)    // €100   → 4_000n  (€40, the minimum)
 */
export function statutoryCollectionCosts(principalMinor: bigint): bigint {
  if (principalMinor < 0n) throw new RangeError(`A principal cannot be negative: ${principalMinor}`)
  if (principalMinor === 0n) return 0n
  const scale = wikScale()
  const bracket =
    scale.find((b) => b.toMinor === undefined || principalMinor < b.toMinor) ??
    scale[scale.length - 1]
  const percentPart = divideRounded(
    (principalMinor - bracket.fromMinor) * bracket.percent.units,
    100n * 10n ** BigInt(bracket.percent.scale),
  )
  const maximumMinor = scale[scale.length - 1].fixedMinor
  const costsMinor = bracket.fixedMinor + percentPart
  if (costsMinor < collectionCostsMinimumMinor) return collectionCostsMinimumMinor
  if (costsMinor > maximumMinor) return maximumMinor
  return costsMinor
}

/** The statutory maximum (art. 2 lid 1 Besluit): €6,775, the last row of the scale. */
export function collectionCostsMaximumMinor(): bigint {
  const scale = wikScale()
  return scale[scale.length - 1].fixedMinor
}

/**
 * Costs for several invoices pursued together in one letter or action: the scale is applied
 * once to the summed principals, never €40 per invoice (nl-collections.md §1.2 calls this the
 * conservative choice for consumers; the Besluit is silent). The costs are split over the
 * invoices in proportion to their principals, so they can be booked per open item; the parts
 * add up to the whole.
 */
export function collectionCostsForClaims(principalsMinor: readonly bigint[]): {
  principalMinor: bigint
  costsMinor: bigint
  costsPerClaimMinor: bigint[]
} {
  if (principalsMinor.length === 0) throw new RangeError('Collection costs need at least one claim')
  if (principalsMinor.some((p) => p < 0n)) throw new RangeError('A principal cannot be negative')
  const principalMinor = principalsMinor.reduce((sum, p) => sum + p, 0n)
  const costsMinor = statutoryCollectionCosts(principalMinor)
  const costsPerClaimMinor =
    principalMinor === 0n ? principalsMinor.map(() => 0n) : allocate(costsMinor, principalsMinor)
  return { principalMinor, costsMinor, costsPerClaimMinor }
}

/** The general VAT rate of art. 9 lid 1 Wet OB 1968, as of the reference (2026). */
export const generalVatRatePercent: Decimal = { units: 21n, scale: 0 }

/**
 * The creditor's VAT position for collection costs (art. 2 lid 3 Besluit). The costs may be
 * raised by VAT only when all three hold; a creditor who can deduct VAT charges none.
 */
export type CollectionVatPosition = {
  /** The creditor collects through a VAT-taxed service (a collection agency, a lawyer). */
  readonly collectsThroughVatTaxedService: boolean
  /** The creditor can deduct (reclaim) that VAT. */
  readonly canDeductVat: boolean
  /** The creditor states both facts, and that the costs are raised for that reason. */
  readonly statesVatReason: boolean
}

/** No VAT on collection costs: the usual case of a VAT-registered creditor. */
export const noVatOnCosts: CollectionVatPosition = {
  collectsThroughVatTaxedService: false,
  canDeductVat: true,
  statesVatReason: false,
}

export function vatMayBeAddedToCosts(position: CollectionVatPosition): boolean {
  return (
    position.collectsThroughVatTaxedService && !position.canDeductVat && position.statesVatReason
  )
}

export type CollectionCosts = {
  readonly costsMinor: bigint
  readonly vatMinor: bigint
  readonly totalMinor: bigint
}

/** Costs plus VAT where art. 2 lid 3 Besluit allows it; VAT rounded once, half away from zero. */
export function withVatWhereAllowed(
  costsMinor: bigint,
  position: CollectionVatPosition,
  vatRatePercent: Decimal = generalVatRatePercent,
): CollectionCosts {
  const vatMinor = vatMayBeAddedToCosts(position) ? vatForCategory(costsMinor, vatRatePercent) : 0n
  return { costsMinor, vatMinor, totalMinor: costsMinor + vatMinor }
}

/**
 * The collection costs a consumer can be charged on a principal: the statutory scale (the
 * consumer rules are mandatory, art. 6:96 lid 5 BW: no contract can ask more), plus VAT where
 * allowed. Whether they may be charged yet is the 14-day letter's question
 * (fourteen-day-letter.ts); this is the amount that letter must name.
 */
export function consumerCollectionCosts(
  principalMinor: bigint,
  position: CollectionVatPosition = noVatOnCosts,
): CollectionCosts {
  return withVatWhereAllowed(statutoryCollectionCosts(principalMinor), position)
}

/**
 * Late Payment Directive 2011/7/EU art. 6: in a commercial transaction the creditor is owed a
 * fixed sum of at least €40, without a reminder (nl-collections.md §1.5).
 */
export const businessCompensationMinimumMinor = 4_000n

export type BusinessCollectionCosts = CollectionCosts & {
  /** 'statutory_scale' unless the parties agreed other costs. */
  readonly basis: 'statutory_scale' | 'agreed'
  /**
   * Agreed costs above the scale: a court may moderate them of its own motion, using the scale
   * as the yardstick unless higher actual costs are shown (HR 10-07-2015, ECLI:NL:HR:2015:1868).
   */
  readonly aboveStatutoryScale: boolean
}

/**
 * Collection costs between businesses: the WIK scale by default, or the costs the parties
 * agreed (a percentage in the general terms, computed by the caller), never below the €40 of
 * the Late Payment Directive. No 14-day letter is needed: see businessCostsChargeableFrom.
 */
export function businessCollectionCosts(input: {
  principalMinor: bigint
  agreedCostsMinor?: bigint
  vat?: CollectionVatPosition
}): BusinessCollectionCosts {
  const scaleMinor = statutoryCollectionCosts(input.principalMinor)
  const agreed = input.agreedCostsMinor
  if (agreed !== undefined && agreed < 0n) {
    throw new RangeError(`Agreed collection costs cannot be negative: ${agreed}`)
  }
  const chosen = agreed ?? scaleMinor
  const costsMinor =
    input.principalMinor > 0n && chosen < businessCompensationMinimumMinor
      ? businessCompensationMinimumMinor
      : chosen
  return {
    ...withVatWhereAllowed(costsMinor, input.vat ?? noVatOnCosts),
    basis: agreed === undefined ? 'statutory_scale' : 'agreed',
    aboveStatutoryScale: costsMinor > scaleMinor,
  }
}

/** Between businesses costs may be claimed once payment is late: the day after the due date. */
export function businessCostsChargeableFrom(dueDate: CalendarDate): CalendarDate {
  return addDays(dueDate, 1)
}
