import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { formatAmount, formatDecimal } from '../../core/money.js'
import { type LineInput, orderTotals, priceLines } from './pricing.js'
import type { VatCategory } from './tables.js'

// Order totals as EN 16931 computes them: line nets rounded once each, VAT rounded once per
// category and rate (not per line), half away from zero. Amounts below in exact cents.

const line = (
  quantity: string,
  unitPrice: string,
  vatCategory: string,
  vatRate: string,
  discountPercent?: string,
): LineInput => ({ itemCode: 'X', quantity, unitPrice, vatCategory, vatRate, discountPercent })

function totals(lines: LineInput[], currency = 'EUR') {
  const priced = priceLines(lines, currency)
  expect(priced.issues).toEqual([])
  const t = orderTotals(priced.lines)
  const amount = (minor: bigint) => formatAmount(minor, currency)
  return {
    lines: priced.lines.map((l) => amount(l.netMinor)),
    vat: t.vatBreakdown.map(
      (g) => `${g.vatCategory} ${amount(g.taxableMinor)} ${amount(g.vatMinor)}`,
    ),
    net: amount(t.netMinor),
    vatTotal: amount(t.vatMinor),
    gross: amount(t.grossMinor),
  }
}

describe('order totals', () => {
  test.each`
    case                                          | lines                                                                                                                        | currency | lineNets                             | vat                                               | gross
    ${'one line at 21%'}                          | ${[line('1', '10.00', 'S', '21')]}                                                                                           | ${'EUR'} | ${['10.00']}                         | ${['S 10.00 2.10']}                               | ${'12.10'}
    ${'VAT rounded half away from zero'}          | ${[line('3', '0.35', 'S', '21')]}                                                                                            | ${'EUR'} | ${['1.05']}                          | ${['S 1.05 0.22']}                                | ${'1.27'}
    ${'VAT per category, not per line (9%)'}      | ${[line('1', '0.50', 'S', '9'), line('1', '0.50', 'S', '9')]}                                                                | ${'EUR'} | ${['0.50', '0.50']}                  | ${['S 1.00 0.09']}                                | ${'1.09'}
    ${'fractional quantity and discount'}         | ${[line('2.5', '3.99', 'S', '21', '10')]}                                                                                    | ${'EUR'} | ${['8.98']}                          | ${['S 8.98 1.89']}                                | ${'10.87'}
    ${'line net rounded half away: 0.125 → 0.13'} | ${[line('0.5', '0.25', 'Z', '0')]}                                                                                           | ${'EUR'} | ${['0.13']}                          | ${['Z 0.13 0.00']}                                | ${'0.13'}
    ${'two rates and zero-rated, grouped'}        | ${[line('2', '5.00', 'S', '21'), line('1', '3.33', 'S', '9'), line('4', '1.10', 'Z', '0'), line('1', '0.01', 'S', '21.00')]} | ${'EUR'} | ${['10.00', '3.33', '4.40', '0.01']} | ${['S 10.01 2.10', 'S 3.33 0.30', 'Z 4.40 0.00']} | ${'20.14'}
    ${'reverse charge and exempt carry no VAT'}   | ${[line('1', '100.00', 'AE', '0'), line('1', '50.00', 'E', '0')]}                                                            | ${'EUR'} | ${['100.00', '50.00']}               | ${['E 50.00 0.00', 'AE 100.00 0.00']}             | ${'150.00'}
    ${'yen has no decimals'}                      | ${[line('3', '333', 'S', '10')]}                                                                                             | ${'JPY'} | ${['999']}                           | ${['S 999 100']}                                  | ${'1099'}
    ${'dinar has three decimals'}                 | ${[line('1', '1.005', 'S', '5')]}                                                                                            | ${'KWD'} | ${['1.005']}                         | ${['S 1.005 0.050']}                              | ${'1.055'}
    ${'full discount leaves nothing'}             | ${[line('1', '9.99', 'S', '21', '100')]}                                                                                     | ${'EUR'} | ${['0.00']}                          | ${['S 0.00 0.00']}                                | ${'0.00'}
    ${'rate with decimals (5.5%)'}                | ${[line('1', '19.99', 'S', '5.5')]}                                                                                          | ${'EUR'} | ${['19.99']}                         | ${['S 19.99 1.10']}                               | ${'21.09'}
  `('$case', ({ lines, currency, lineNets, vat, gross }) => {
    const t = totals(lines, currency)
    expect(t.lines).toEqual(lineNets)
    expect(t.vat).toEqual(vat)
    expect(t.gross).toBe(gross)
  })

  test.each`
    field                          | input                                    | message
    ${'lines[0].unit_price'}       | ${line('1', '12.345', 'S', '21')}        | ${'at most 2 decimals'}
    ${'lines[0].quantity'}         | ${line('1.00005', '1.00', 'S', '21')}    | ${'at most 4 decimals'}
    ${'lines[0].quantity'}         | ${line('0', '1.00', 'S', '21')}          | ${'above 0'}
    ${'lines[0].unit_price'}       | ${line('1', '-1.00', 'S', '21')}         | ${'at least 0'}
    ${'lines[0].discount_percent'} | ${line('1', '1.00', 'S', '21', '100.5')} | ${'0 to 100'}
    ${'lines[0].vat_category'}     | ${line('1', '1.00', 'X', '21')}          | ${'EN 16931'}
    ${'lines[0].vat_rate'}         | ${line('1', '1.00', 'S', '0')}           | ${'above 0 for VAT category S'}
    ${'lines[0].vat_rate'}         | ${line('1', '1.00', 'Z', '9')}           | ${'must be 0 for VAT category Z'}
    ${'lines[0].vat_rate'}         | ${line('1', '1.00', 'S', '100')}         | ${'below 100'}
  `('refuses $field: $message', ({ field, input, message }) => {
    const priced = priceLines([input], 'EUR')
    expect(priced.lines).toEqual([])
    expect(priced.issues[0].field).toBe(field)
    expect(priced.issues[0].message).toContain(message)
  })

  test('a yen price with decimals is refused, naming the line', () => {
    const priced = priceLines([line('1', '100', 'S', '10'), line('1', '100.5', 'S', '10')], 'JPY')
    expect(priced.issues.map((i) => i.field)).toEqual(['lines[1].unit_price'])
  })
})

// An independent oracle: exact rational arithmetic, rounded half away from zero once.
function roundHalfAway(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator
  const r = numerator % denominator
  return 2n * r >= denominator ? q + 1n : q
}

const rateTenths: Record<string, bigint> = { '21': 210n, '9': 90n, '5.5': 55n, '0': 0n }

const categories: [VatCategory, string][] = [
  ['S', '21'],
  ['S', '9'],
  ['S', '5.5'],
  ['Z', '0'],
  ['E', '0'],
  ['AE', '0'],
]

const arbitraryLine = fc.record({
  quantityUnits: fc.integer({ min: 1, max: 10_000_000 }), // 0.0001 … 1,000
  unitPriceMinor: fc.integer({ min: 0, max: 10_000_000 }),
  discountBasisPoints: fc.integer({ min: 0, max: 10_000 }), // 0.00 % … 100.00 %
  category: fc.constantFrom(...categories),
})

describe('order totals, for any lines', () => {
  test('VAT is the per-category rounding of the summed line nets; totals add up; no floats', () => {
    fc.assert(
      fc.property(fc.array(arbitraryLine, { minLength: 1, maxLength: 40 }), (generated) => {
        const inputs = generated.map((g) =>
          line(
            formatDecimal({ units: BigInt(g.quantityUnits), scale: 4 }),
            formatAmount(BigInt(g.unitPriceMinor), 'EUR'),
            g.category[0],
            g.category[1],
            formatDecimal({ units: BigInt(g.discountBasisPoints), scale: 2 }),
          ),
        )
        const priced = priceLines(inputs, 'EUR')
        expect(priced.issues).toEqual([])
        const t = orderTotals(priced.lines)

        // Each line net: quantity × price × (1 − discount), exact, rounded once.
        generated.forEach((g, i) => {
          const exact =
            BigInt(g.quantityUnits) *
            BigInt(g.unitPriceMinor) *
            BigInt(10_000 - g.discountBasisPoints)
          expect(priced.lines[i].netMinor).toBe(roundHalfAway(exact, 10_000n * 10_000n))
        })
        // VAT: per category and rate, on the sum of its line nets, rounded once.
        let vatExpected = 0n
        for (const [category, rate] of categories) {
          const taxable = priced.lines
            .filter(
              (_line, i) =>
                generated[i].category[0] === category && generated[i].category[1] === rate,
            )
            .reduce((sum, l) => sum + l.netMinor, 0n)
          vatExpected += roundHalfAway(taxable * rateTenths[rate], 1000n)
        }
        expect(t.vatMinor).toBe(vatExpected)
        expect(t.vatMinor).toBe(t.vatBreakdown.reduce((sum, g) => sum + g.vatMinor, 0n))
        expect(t.netMinor).toBe(priced.lines.reduce((sum, l) => sum + l.netMinor, 0n))
        expect(t.grossMinor).toBe(t.netMinor + t.vatMinor)
        for (const value of [
          t.netMinor,
          t.vatMinor,
          t.grossMinor,
          ...t.vatBreakdown.map((g) => g.vatMinor),
        ]) {
          expect(typeof value).toBe('bigint')
        }
      }),
      { numRuns: 300 },
    )
  })
})
