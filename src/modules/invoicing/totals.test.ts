import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { type Decimal, lineNetMinor } from '../../core/money.js'
import type { VatCategory } from './document.js'
import { computeTotals } from './totals.js'

// For any lines, allowances and charges, the totals of a document obey the EN 16931 sums
// (BR-CO-10 … BR-CO-16), the VAT per category is its taxable amount × rate rounded once
// (BR-CO-17), and every amount is a whole number of cents.

const decimal = (maxUnits: number, maxScale: number) =>
  fc
    .record({
      units: fc.bigInt({ min: 0n, max: BigInt(maxUnits) }),
      scale: fc.integer({ min: 0, max: maxScale }),
    })
    .map((d): Decimal => d)

const vat = fc.oneof(
  fc.constantFrom<[VatCategory, Decimal]>(
    ['S', { units: 21n, scale: 0 }],
    ['S', { units: 9n, scale: 0 }],
    ['S', { units: 55n, scale: 1 }],
    ['Z', { units: 0n, scale: 0 }],
    ['E', { units: 0n, scale: 0 }],
    ['AE', { units: 0n, scale: 0 }],
    ['K', { units: 0n, scale: 0 }],
    ['G', { units: 0n, scale: 0 }],
  ),
)

const lineInput = fc.record({
  quantity: decimal(1_000_000, 4).filter((q) => q.units > 0n),
  unitPriceMinor: fc.bigInt({ min: 0n, max: 10_000_000n }),
  discountPercent: fc
    .record({ units: fc.bigInt({ min: 0n, max: 10_000n }), scale: fc.constant(2) })
    .map((d): Decimal => d),
  vat,
})

const allowanceCharge = fc.record({
  isCharge: fc.boolean(),
  amountMinor: fc.bigInt({ min: 1n, max: 1_000_000n }),
  vat,
})

const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n)

describe('document totals (property)', () => {
  test('satisfy BR-CO-10 … BR-CO-17 and are whole minor units', () => {
    fc.assert(
      fc.property(
        fc.array(lineInput, { minLength: 1, maxLength: 20 }),
        fc.array(allowanceCharge, { maxLength: 5 }),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        (inputs, entries, prepaidMinor) => {
          const lines = inputs.map((l) => ({
            netMinor: lineNetMinor(l.quantity, l.unitPriceMinor, l.discountPercent),
            vatCategory: l.vat[0],
            vatRate: l.vat[1],
          }))
          const allowancesCharges = entries.map((e) => ({
            isCharge: e.isCharge,
            amountMinor: e.amountMinor,
            vatCategory: e.vat[0],
            vatRate: e.vat[1],
          }))
          const { totals, vatBreakdown } = computeTotals({
            lines,
            allowancesCharges,
            prepaidMinor,
            language: 'en',
          })
          const allowances = allowancesCharges.filter((e) => !e.isCharge).map((e) => e.amountMinor)
          const charges = allowancesCharges.filter((e) => e.isCharge).map((e) => e.amountMinor)
          // BR-CO-10, 11, 12: the sums of lines, allowances and charges.
          expect(totals.lineNetMinor).toBe(sum(lines.map((l) => l.netMinor)))
          expect(totals.allowancesMinor).toBe(sum(allowances))
          expect(totals.chargesMinor).toBe(sum(charges))
          // BR-CO-13: total without VAT.
          expect(totals.taxExclusiveMinor).toBe(
            totals.lineNetMinor - totals.allowancesMinor + totals.chargesMinor,
          )
          // BR-CO-14: the VAT total is the sum of the breakdown.
          expect(totals.vatMinor).toBe(sum(vatBreakdown.map((v) => v.vatMinor)))
          // BR-CO-15, BR-CO-16: total with VAT and amount due.
          expect(totals.taxInclusiveMinor).toBe(totals.taxExclusiveMinor + totals.vatMinor)
          expect(totals.payableMinor).toBe(totals.taxInclusiveMinor - prepaidMinor)
          // The breakdown's taxable amounts add up to the total without VAT (BR-CO-18 ff.).
          expect(sum(vatBreakdown.map((v) => v.taxableMinor))).toBe(totals.taxExclusiveMinor)
          for (const row of vatBreakdown) {
            // BR-CO-17: VAT = taxable × rate / 100, rounded once: within half a cent.
            const exact = row.taxableMinor * row.rate.units
            const scaled = row.vatMinor * 100n * 10n ** BigInt(row.rate.scale)
            const difference = exact > scaled ? exact - scaled : scaled - exact
            expect(difference * 2n <= 100n * 10n ** BigInt(row.rate.scale)).toBe(true)
            if (row.category !== 'S') expect(row.vatMinor).toBe(0n)
          }
          // One breakdown row per category and rate.
          const keys = vatBreakdown.map((v) => `${v.category}|${v.rate.units}/${v.rate.scale}`)
          expect(new Set(keys).size).toBe(keys.length)
          for (const value of Object.values(totals)) expect(typeof value).toBe('bigint')
        },
      ),
      { numRuns: 500 },
    )
  })
})
