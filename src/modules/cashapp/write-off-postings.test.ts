import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { writeOffPostings } from './write-off-postings.js'

// Where write-offs are booked; the early-payment discount's VAT correction follows the
// invoice's VAT per rate and never loses or makes a cent.

describe('write-off postings', () => {
  test.each`
    kind                  | amount   | vat                                             | postings
    ${'bank_fee'}         | ${1000n} | ${[]}                                           | ${[['bank_fees', 1000n]]}
    ${'small_difference'} | ${37n}   | ${[]}                                           | ${[['write_off', 37n]]}
    ${'discount'}         | ${242n}  | ${[]}                                           | ${[['early_payment_discount', 242n]]}
    ${'discount'}         | ${242n}  | ${[['21.0000', 10000n, 2100n]]}                 | ${[['early_payment_discount', 200n], ['vat_payable_21', 42n]]}
    ${'discount'}         | ${460n}  | ${[['21', 10000n, 2100n], ['9', 10000n, 900n]]} | ${[['early_payment_discount', 400n], ['vat_payable_21', 42n], ['vat_payable_9', 18n]]}
    ${'discount'}         | ${100n}  | ${[['0', 10000n, 0n]]}                          | ${[['early_payment_discount', 100n]]}
  `('$kind of $amount → $postings', ({ kind, amount, vat, postings }) => {
    const shares = vat.map(([ratePercent, taxableMinor, vatMinor]: [string, bigint, bigint]) => ({
      category: 'S',
      ratePercent,
      taxableMinor,
      vatMinor,
    }))
    expect(writeOffPostings(kind, amount, shares).map((p) => [p.purpose, p.amountMinor])).toEqual(
      postings,
    )
  })

  test('a discount is split to the cent: the postings sum to it, VAT in proportion', () => {
    const share = fc.record({
      ratePercent: fc.constantFrom('21', '9', '0', '6'),
      taxableMinor: fc.bigInt({ min: 1n, max: 10_000_000n }),
    })
    fc.assert(
      fc.property(
        fc.array(share, { minLength: 1, maxLength: 4 }),
        fc.bigInt({ min: 1n, max: 1_000_000n }),
        (shares, amountMinor) => {
          const vat = shares.map((s) => ({
            category: 'S',
            ratePercent: s.ratePercent,
            taxableMinor: s.taxableMinor,
            vatMinor: (s.taxableMinor * BigInt(s.ratePercent)) / 100n,
          }))
          const postings = writeOffPostings('discount', amountMinor, vat)
          expect(postings.reduce((sum, p) => sum + p.amountMinor, 0n)).toBe(amountMinor)
          for (const p of postings) expect(p.amountMinor).toBeGreaterThan(0n)
          // The VAT part is the invoice's VAT share of the discount, within a cent per part.
          const total = vat.reduce((sum, s) => sum + s.taxableMinor + s.vatMinor, 0n)
          const vatTotal = vat.reduce((sum, s) => sum + s.vatMinor, 0n)
          const vatPosted = postings
            .filter((p) => p.purpose.startsWith('vat_payable'))
            .reduce((sum, p) => sum + p.amountMinor, 0n)
          const exact = (amountMinor * vatTotal) / total
          expect(vatPosted - exact).toBeGreaterThanOrEqual(-BigInt(vat.length))
          expect(vatPosted - exact).toBeLessThanOrEqual(BigInt(vat.length))
        },
      ),
    )
  })
})
