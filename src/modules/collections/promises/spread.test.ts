import fc from 'fast-check'
import { expect, test } from 'vitest'
import { spreadOldestFirst } from './promises.js'

// A promise's amount over its items, oldest due first: never more on an item than is open on
// it, the whole amount placed when it fits, and an item reached only when the older ones are
// full.

test('property: the spread places the whole amount, oldest first, never above what is open', () => {
  fc.assert(
    fc.property(
      fc.array(fc.bigInt({ min: 1n, max: 1_000_000_00n }), { minLength: 1, maxLength: 20 }),
      fc.bigInt({ min: 1n, max: 20_000_000_00n }),
      (opens, wanted) => {
        const items = opens.map((openMinor, k) => ({ invoiceId: `i${k}`, openMinor }))
        const total = opens.reduce((sum, o) => sum + o, 0n)
        // biome-ignore lint/complexity/useMathMinMax: Math.min does not take bigints
        const amount = wanted > total ? total : wanted
        const shares = spreadOldestFirst(amount, items)
        expect(shares.reduce((sum, s) => sum + s.amountMinor, 0n)).toBe(amount)
        shares.forEach((share, k) => {
          expect(share.invoiceId).toBe(`i${k}`)
          expect(share.amountMinor > 0n).toBe(true)
          expect(share.amountMinor <= opens[k]).toBe(true)
          // Every item before the last share is full.
          if (k < shares.length - 1) expect(share.amountMinor).toBe(opens[k])
        })
      },
    ),
  )
})
