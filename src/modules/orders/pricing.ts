import type { FieldIssue } from '../../core/errors.js'
import {
  compareDecimal,
  currencyExponent,
  type Decimal,
  formatDecimal,
  lineNetMinor,
  parseAmount,
  parseDecimal,
  vatForCategory,
} from '../../core/money.js'
import { type VatCategory, vatCategories } from './tables.js'

// Pricing an order, as EN 16931 prices an invoice: each line's net amount is rounded once
// (BT-131, lineNetMinor); VAT is computed per VAT category and rate on the sum of the line
// nets in it, rounded once per category (BR-CO-17, vatForCategory); the order totals are
// sums of those. No other rounding happens, and nothing here touches a float.

/** Quantities have at most 4 decimals: 2.5 kg, 0.25 hours, 1.0005 m³. */
export const quantityScaleMax = 4
/** Discount percentages and VAT rates have at most 4 decimals (e.g. 5.5, 8.1, 12.3456). */
export const percentScaleMax = 4
/** An order of more lines than this belongs in several orders (or a contract). */
export const orderLinesMax = 1_000

/** A line as a client writes it: amounts and quantities as decimal strings. */
export type LineInput = {
  itemCode: string
  description?: string
  quantity: string
  unit?: string
  unitPrice: string
  discountPercent?: string
  vatCategory: string
  vatRate: string
}

/** A line parsed and priced in the order's currency. */
export type PricedLine = {
  itemCode: string
  description: string
  quantity: Decimal
  unit: string
  unitPriceMinor: bigint
  discountPercent: Decimal
  vatCategory: VatCategory
  vatRate: Decimal
  netMinor: bigint
}

/** UN/ECE Recommendation 20 "one" (piece): the unit EN 16931 uses when none is given. */
export const unitDefault = 'C62'

const hundred: Decimal = { units: 100n, scale: 0 }

/**
 * Parses and prices one line. Every problem names its field by its place in the request
 * (`lines[2].unit_price`), so the API and the CSV import can point at it.
 */
export function priceLine(
  input: LineInput,
  currency: string,
  path: string,
): { line?: PricedLine; issues: FieldIssue[] } {
  const issues: FieldIssue[] = []
  const field = (name: string) => `${path}.${name}`
  const itemCode = input.itemCode.trim()
  if (itemCode === '' || itemCode.length > 64) {
    issues.push({ field: field('item_code'), message: 'must be 1–64 characters' })
  }
  const description = (input.description ?? '').trim()
  if (description.length > 500) {
    issues.push({ field: field('description'), message: 'must be at most 500 characters' })
  }
  const unit = (input.unit ?? '').trim() || unitDefault
  if (unit.length > 16) {
    issues.push({ field: field('unit'), message: 'must be at most 16 characters' })
  }

  const quantity = parseDecimal(input.quantity.trim(), quantityScaleMax)
  if (!quantity || quantity.units <= 0n) {
    issues.push({
      field: field('quantity'),
      message: `must be a number above 0 with at most ${quantityScaleMax} decimals, not "${input.quantity}"`,
    })
  }
  const unitPriceMinor = parseAmount(input.unitPrice.trim(), currency)
  if (unitPriceMinor === undefined || unitPriceMinor < 0n) {
    const exponent = currencyExponent(currency)
    issues.push({
      field: field('unit_price'),
      message: `must be an amount of at least 0 with at most ${exponent} decimals (${currency}), not "${input.unitPrice}"`,
    })
  }
  const discountPercent = parseDecimal(
    (input.discountPercent ?? '0').trim() || '0',
    percentScaleMax,
  )
  if (
    !discountPercent ||
    discountPercent.units < 0n ||
    compareDecimal(discountPercent, hundred) > 0
  ) {
    issues.push({
      field: field('discount_percent'),
      message: `must be a percentage from 0 to 100 with at most ${percentScaleMax} decimals, not "${input.discountPercent}"`,
    })
  }
  const vatCategory = input.vatCategory.trim().toUpperCase()
  if (!isVatCategory(vatCategory)) {
    issues.push({
      field: field('vat_category'),
      message: `must be an EN 16931 VAT category (${vatCategories.join(', ')}), not "${input.vatCategory}"`,
    })
  }
  const vatRate = parseDecimal(input.vatRate.trim(), percentScaleMax)
  if (!vatRate || vatRate.units < 0n || compareDecimal(vatRate, hundred) >= 0) {
    issues.push({
      field: field('vat_rate'),
      message: `must be a percentage from 0 to below 100 with at most ${percentScaleMax} decimals, not "${input.vatRate}"`,
    })
  } else if (isVatCategory(vatCategory)) {
    // BR-S-05: standard rated lines carry a rate above zero; BR-Z-05, BR-E-05, BR-AE-05,
    // BR-IC-05, BR-G-05: the other categories carry 0 (BR-O-05: "not subject" has none).
    if (vatCategory === 'S' && vatRate.units === 0n) {
      issues.push({ field: field('vat_rate'), message: 'must be above 0 for VAT category S' })
    }
    if (vatCategory !== 'S' && vatRate.units !== 0n) {
      issues.push({
        field: field('vat_rate'),
        message: `must be 0 for VAT category ${vatCategory}`,
      })
    }
  }
  if (issues.length > 0 || !quantity || unitPriceMinor === undefined || !discountPercent) {
    return { issues }
  }
  return {
    issues,
    line: {
      itemCode,
      description,
      quantity,
      unit,
      unitPriceMinor,
      discountPercent,
      vatCategory: vatCategory as VatCategory,
      vatRate: vatRate as Decimal,
      netMinor: lineNetMinor(quantity, unitPriceMinor, discountPercent),
    },
  }
}

export function priceLines(
  inputs: LineInput[],
  currency: string,
): { lines: PricedLine[]; issues: FieldIssue[] } {
  const lines: PricedLine[] = []
  const issues: FieldIssue[] = []
  if (inputs.length > orderLinesMax) {
    issues.push({ field: 'lines', message: `must be at most ${orderLinesMax} lines` })
  }
  inputs.forEach((input, index) => {
    const priced = priceLine(input, currency, `lines[${index}]`)
    issues.push(...priced.issues)
    if (priced.line) lines.push(priced.line)
  })
  return { lines, issues }
}

function isVatCategory(code: string): code is VatCategory {
  return (vatCategories as readonly string[]).includes(code)
}

export type VatBreakdown = {
  vatCategory: VatCategory
  vatRate: Decimal
  taxableMinor: bigint
  vatMinor: bigint
}

export type OrderTotals = {
  vatBreakdown: VatBreakdown[]
  netMinor: bigint
  vatMinor: bigint
  grossMinor: bigint
}

/**
 * The order's VAT breakdown and totals: one group per VAT category and rate, VAT rounded once
 * per group (not per line), totals summed from the groups.
 */
export function orderTotals(
  lines: readonly Pick<PricedLine, 'netMinor' | 'vatCategory' | 'vatRate'>[],
): OrderTotals {
  const groups = new Map<string, VatBreakdown>()
  for (const line of lines) {
    const rate = canonical(line.vatRate)
    const key = `${line.vatCategory} ${formatDecimal(rate)}`
    const group = groups.get(key) ?? {
      vatCategory: line.vatCategory,
      vatRate: rate,
      taxableMinor: 0n,
      vatMinor: 0n,
    }
    group.taxableMinor += line.netMinor
    groups.set(key, group)
  }
  const vatBreakdown = [...groups.values()]
    .map((group) => ({ ...group, vatMinor: vatForCategory(group.taxableMinor, group.vatRate) }))
    .sort(
      (a, b) =>
        vatCategories.indexOf(a.vatCategory) - vatCategories.indexOf(b.vatCategory) ||
        compareDecimal(b.vatRate, a.vatRate),
    )
  const netMinor = vatBreakdown.reduce((sum, g) => sum + g.taxableMinor, 0n)
  const vatMinor = vatBreakdown.reduce((sum, g) => sum + g.vatMinor, 0n)
  return { vatBreakdown, netMinor, vatMinor, grossMinor: netMinor + vatMinor }
}

/** The same decimal with trailing zeros dropped: 21.00 and 21 are one rate. */
function canonical(value: Decimal): Decimal {
  let { units, scale } = value
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n
    scale -= 1
  }
  return { units, scale }
}

/** Quantities in ten-thousandths, so they add and compare as plain integers. */
export function quantityUnits(value: Decimal): bigint {
  return value.units * 10n ** BigInt(quantityScaleMax - value.scale)
}

export function quantityFromUnits(units: bigint): Decimal {
  return canonical({ units, scale: quantityScaleMax })
}

export function decimalText(value: Decimal): string {
  return formatDecimal(canonical(value))
}
