import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { type Decimal, parseDecimal, vatForCategory } from '../../core/money.js'
import { type CreditBreakdownRow, splitCreditAmount, splitGross } from './credit-amount.js'
import type { VatCategory } from './document.js'

const rate = (text: string): Decimal => parseDecimal(text, 4) as Decimal
const row = (category: VatCategory, r: string, taxableMinor: bigint): CreditBreakdownRow => ({
  category,
  rate: rate(r),
  taxableMinor,
  vatMinor: category === 'S' ? vatForCategory(taxableMinor, rate(r)) : 0n,
})

describe('splitting a credit amount over VAT categories', () => {
  test.each`
    case                          | amount    | breakdown                                             | expected
    ${'one category, exact'}      | ${1210n}  | ${[row('S', '21', 10_000n)]}                          | ${[['S', 1000n, 210n]]}
    ${'one category, jump at 3c'} | ${3n}     | ${[row('S', '21', 10_000n)]}                          | ${[['S', 2n, 1n]]}
    ${'zero rated takes no VAT'}  | ${1234n}  | ${[row('Z', '0', 500n)]}                              | ${[['Z', 1234n, 0n]]}
    ${'21 % and 9 % in halves'}   | ${11500n} | ${[row('S', '21', 5_000n), row('S', '9', 5_000n)]}    | ${[['S', 5000n, 1050n], ['S', 5000n, 450n]]}
    ${'a category with no gross'} | ${1000n}  | ${[row('S', '21', 10_000n), row('E', '0', 0n)]}       | ${[['S', 826n, 174n]]}
    ${'reverse charge and 21 %'}  | ${2000n}  | ${[row('AE', '0', 10_000n), row('S', '21', 10_000n)]} | ${[['AE', 905n, 0n], ['S', 905n, 190n]]}
  `('$case: $amount', ({ amount, breakdown, expected }) => {
    const parts = splitCreditAmount(amount, breakdown)
    expect(parts.map((p) => [p.category, p.netMinor, p.vatMinor])).toEqual(expected)
    expect(parts.reduce((sum, p) => sum + p.netMinor + p.vatMinor, 0n)).toBe(amount)
  })

  test('takes the net whose VAT by the invoice rule lands on the gross where one exists', () => {
    // 121.02 = 100.02 + 21.00 (100.02 × 21 % = 21.0042 → 21.00): no split from the gross.
    expect(splitGross(12_102n, 'S', rate('21'))).toEqual({
      netMinor: 10_002n,
      vatMinor: 2_100n,
      vatSplitFromGross: false,
    })
    // 121.03 has no such net (100.02 → 121.02, 100.03 → 121.04): VAT = gross − net.
    expect(splitGross(12_103n, 'S', rate('21'))).toEqual({
      netMinor: 10_002n,
      vatMinor: 2_101n,
      vatSplitFromGross: true,
    })
  })

  const categories = fc.constantFrom<[VatCategory, string]>(
    ['S', '21'],
    ['S', '9'],
    ['S', '19.6'],
    ['S', '5.5'],
    ['S', '0.01'],
    ['Z', '0'],
    ['E', '0'],
    ['AE', '0'],
    ['K', '0'],
    ['G', '0'],
    ['O', '0'],
  )
  const invoice = fc
    .array(
      fc.record({
        category: categories,
        // Allowances can make a category's taxable amount negative; keep some of those.
        taxableMinor: fc.bigInt({ min: -50_000n, max: 100_000_000n }),
      }),
      { minLength: 1, maxLength: 5 },
    )
    .map((rows) => {
      const unique = new Map(rows.map((r) => [r.category.join('|'), r]))
      return [...unique.values()].map((r) => row(r.category[0], r.category[1], r.taxableMinor))
    })
    .filter((rows) => rows.some((r) => r.taxableMinor + r.vatMinor > 0n))

  test('the parts sum to the amount exactly and never exceed what was asked or is open', () => {
    fc.assert(
      fc.property(invoice, fc.bigInt({ min: 1n, max: 10n ** 12n }), (breakdown, seed) => {
        const openMinor = breakdown.reduce(
          (sum, r) => sum + (r.taxableMinor + r.vatMinor > 0n ? r.taxableMinor + r.vatMinor : 0n),
          0n,
        )
        // Any amount from one cent up to the whole open amount (the service refuses more).
        const amount = 1n + (seed % openMinor)
        const parts = splitCreditAmount(amount, breakdown)
        const total = parts.reduce((sum, p) => sum + p.netMinor + p.vatMinor, 0n)
        expect(total).toBe(amount)
        expect(total <= openMinor).toBe(true)
        for (const part of parts) {
          expect(part.netMinor + part.vatMinor).toBe(part.grossMinor)
          expect(part.netMinor >= 0n && part.vatMinor >= 0n).toBe(true)
          const byRule = part.category === 'S' ? vatForCategory(part.netMinor, part.rate) : 0n
          const off = part.vatMinor - byRule
          // BR-CO-17 allows less than one currency unit; we are never more than a cent off.
          expect(off >= -1n && off <= 1n).toBe(true)
          expect(part.vatSplitFromGross).toBe(off !== 0n)
        }
      }),
      { numRuns: 2_000 },
    )
  })
})
