import { domainError, type FieldIssue } from '../../core/errors.js'
import type { Decimal } from '../../core/money.js'
import type { VatCategory } from './document.js'
import './errors.js'

// Which VAT categories and rates may stand on one invoice, after EN 16931 (the BR-S, BR-Z,
// BR-E, BR-AE, BR-IC, BR-G and BR-O rule groups). Checked when a draft is saved and again
// when it is issued, since the seller's and buyer's master data may have changed in between.

export type VatPlace = { field: string; vatCategory: VatCategory; vatRate: Decimal }

export type VatContext = {
  sellerVatId?: string | null
  buyerVatId?: string | null
  /** When the seller's settings are not known yet (a draft before any settings), skip. */
  sellerKnown: boolean
  hasDeliveryDateOrPeriod: boolean
}

const categoryName: Record<VatCategory, string> = {
  S: 'standard rate (S)',
  Z: 'zero rate (Z)',
  E: 'exempt (E)',
  AE: 'reverse charge (AE)',
  K: 'intra-EU supply (K)',
  G: 'export outside the EU (G)',
  O: 'outside the scope of VAT (O)',
}

/** Every problem with the VAT of the document's lines and allowances/charges, by field. */
export function vatCombinationIssues(
  places: readonly VatPlace[],
  context: VatContext,
): FieldIssue[] {
  const issues: FieldIssue[] = []
  for (const place of places) {
    const positive = place.vatRate.units > 0n
    // BR-S-05: a standard-rated line has a rate above zero; BR-Z-05, BR-E-05, BR-AE-05,
    // BR-IC-05, BR-G-05: every other category has rate 0 (BR-O-05: none, printed as 0).
    if (place.vatCategory === 'S' && !positive) {
      issues.push({ field: `${place.field}.vat_rate`, message: 'must be above 0 for category S' })
    } else if (place.vatCategory !== 'S' && positive) {
      issues.push({
        field: `${place.field}.vat_rate`,
        message: `must be 0 for ${categoryName[place.vatCategory]}`,
      })
    }
  }
  const used = new Map<VatCategory, string>()
  for (const place of places)
    if (!used.has(place.vatCategory)) used.set(place.vatCategory, place.field)

  // BR-O-11 ff.: an invoice outside the scope of VAT has no other category.
  if (used.has('O') && used.size > 1) {
    const other = [...used.entries()].find(([category]) => category !== 'O') as [
      VatCategory,
      string,
    ]
    issues.push({
      field: `${other[1]}.vat_category`,
      message: `${categoryName[other[0]]} cannot stand on one invoice with category O (BR-O-11)`,
    })
  }
  for (const [category, field] of used) {
    // BR-AE-02, BR-IC-02: the buyer's VAT id is on a reverse-charge or intra-EU invoice.
    if ((category === 'AE' || category === 'K') && !context.buyerVatId) {
      issues.push({
        field: `${field}.vat_category`,
        message: `${categoryName[category]} needs the buyer's VAT id; the customer has none`,
      })
    }
    // BR-S-02, BR-Z-02, BR-E-02, BR-AE-02, BR-IC-02, BR-G-02: the seller's VAT id is there
    // for every category but O (and BR-O-02 wants it absent there: load-document drops it).
    if (category !== 'O' && context.sellerKnown && !context.sellerVatId) {
      issues.push({
        field: `${field}.vat_category`,
        message: `${categoryName[category]} needs the seller's VAT id; set seller.vat_id in the billing settings`,
      })
    }
    // BR-IC-11: an intra-EU supply names when it was delivered.
    if (category === 'K' && !context.hasDeliveryDateOrPeriod) {
      issues.push({
        field: 'delivery_date',
        message: 'an intra-EU supply (K) needs a delivery date or an invoicing period',
      })
    }
  }
  return issues
}

export function checkVatCombination(places: readonly VatPlace[], context: VatContext): void {
  const issues = vatCombinationIssues(places, context)
  if (issues.length === 0) return
  const first = issues[0] as FieldIssue
  throw domainError('invoicing.vat_combination_invalid', `${first.field}: ${first.message}`, {
    field: first.field,
    errors: issues,
  })
}
