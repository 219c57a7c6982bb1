import { compareDecimal, type Decimal, formatDecimal, vatForCategory } from '../../core/money.js'
import type { AllowanceCharge, DocumentTotals, VatBreakdown, VatCategory } from './document.js'

// The totals of an invoice as EN 16931 computes them, in minor units and without a float:
// - each line's net amount was rounded once already (BT-131, lineNetMinor);
// - the taxable amount per VAT category and rate is the sum of the line nets in it, less the
//   document allowances and plus the charges in it (BT-116, BR-CO-... and BR-S-08 ff.);
// - the VAT per category and rate is taxable × rate / 100, rounded once (BT-117, BR-CO-17);
// - the document totals are sums of those (BR-CO-10 … BR-CO-16). No other rounding happens.

export type TotalsLine = { netMinor: bigint; vatCategory: VatCategory; vatRate: Decimal }

/** The exemption reason a category needs on the document when the user gives none (BR-E-10 ff.). */
export const defaultExemption: Partial<
  Record<VatCategory, { code: string; reason: Record<'nl' | 'en', string> }>
> = {
  E: { code: 'VATEX-EU-132', reason: { nl: 'Vrijgesteld van btw', en: 'Exempt from VAT' } },
  AE: { code: 'VATEX-EU-AE', reason: { nl: 'Btw verlegd', en: 'Reverse charge' } },
  K: {
    code: 'VATEX-EU-IC',
    reason: { nl: 'Intracommunautaire levering', en: 'Intra-community supply' },
  },
  G: { code: 'VATEX-EU-G', reason: { nl: 'Uitvoer buiten de EU', en: 'Export outside the EU' } },
  O: { code: 'VATEX-EU-O', reason: { nl: 'Niet onderworpen aan btw', en: 'Not subject to VAT' } },
}

export type ComputedTotals = { vatBreakdown: VatBreakdown[]; totals: DocumentTotals }

/**
 * The VAT breakdown and totals of a document. Breakdown rows are ordered by category and
 * then rate, so the same document always prints the same way.
 *
 *   computeTotals({ lines, allowancesCharges: [], prepaidMinor: 0n, language: 'nl' })
 */
export function computeTotals(input: {
  lines: readonly TotalsLine[]
  allowancesCharges: readonly Pick<
    AllowanceCharge,
    'isCharge' | 'amountMinor' | 'vatCategory' | 'vatRate'
  >[]
  prepaidMinor: bigint
  language: 'nl' | 'en'
  /** Exemption reasons the user gave per category, overriding the defaults. */
  exemptions?: Partial<Record<VatCategory, { code?: string; reason?: string }>>
}): ComputedTotals {
  const groups = new Map<string, { category: VatCategory; rate: Decimal; taxableMinor: bigint }>()
  const groupOf = (category: VatCategory, rate: Decimal) => {
    const key = `${category}|${formatDecimal(rate)}`
    let group = groups.get(key)
    if (!group) {
      group = { category, rate, taxableMinor: 0n }
      groups.set(key, group)
    }
    return group
  }
  let lineNetMinor = 0n
  for (const line of input.lines) {
    lineNetMinor += line.netMinor
    groupOf(line.vatCategory, line.vatRate).taxableMinor += line.netMinor
  }
  let allowancesMinor = 0n
  let chargesMinor = 0n
  for (const entry of input.allowancesCharges) {
    if (entry.isCharge) chargesMinor += entry.amountMinor
    else allowancesMinor += entry.amountMinor
    groupOf(entry.vatCategory, entry.vatRate).taxableMinor += entry.isCharge
      ? entry.amountMinor
      : -entry.amountMinor
  }
  const vatBreakdown = [...groups.values()]
    .sort((a, b) =>
      a.category === b.category ? compareDecimal(a.rate, b.rate) : a.category < b.category ? -1 : 1,
    )
    .map(({ category, rate, taxableMinor }): VatBreakdown => {
      const given = input.exemptions?.[category]
      const fallback = defaultExemption[category]
      return {
        category,
        rate,
        taxableMinor,
        vatMinor: category === 'S' ? vatForCategory(taxableMinor, rate) : 0n,
        ...(fallback || given
          ? {
              exemptionReason: given?.reason ?? fallback?.reason[input.language],
              exemptionReasonCode: given?.code ?? fallback?.code,
            }
          : {}),
      }
    })
  const vatMinor = vatBreakdown.reduce((sum, row) => sum + row.vatMinor, 0n)
  const taxExclusiveMinor = lineNetMinor - allowancesMinor + chargesMinor
  const taxInclusiveMinor = taxExclusiveMinor + vatMinor
  return {
    vatBreakdown,
    totals: {
      lineNetMinor,
      allowancesMinor,
      chargesMinor,
      taxExclusiveMinor,
      vatMinor,
      taxInclusiveMinor,
      prepaidMinor: input.prepaidMinor,
      payableMinor: taxInclusiveMinor - input.prepaidMinor,
    },
  }
}
