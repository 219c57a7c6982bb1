import fc from 'fast-check'
import { expect, test } from 'vitest'
import { splitPaymentOverClaim } from './payment-order.js'

// Art. 6:44 BW: costs first, then interest, then principal.

const owed = { costsMinor: 4_000n, interestMinor: 1_000n, principalMinor: 50_000n }

test.each`
  payment    | costs     | interest  | principal  | overpaid
  ${0n}      | ${0n}     | ${0n}     | ${0n}      | ${0n}
  ${3_000n}  | ${3_000n} | ${0n}     | ${0n}      | ${0n}
  ${4_500n}  | ${4_000n} | ${500n}   | ${0n}      | ${0n}
  ${10_000n} | ${4_000n} | ${1_000n} | ${5_000n}  | ${0n}
  ${55_000n} | ${4_000n} | ${1_000n} | ${50_000n} | ${0n}
  ${60_000n} | ${4_000n} | ${1_000n} | ${50_000n} | ${5_000n}
`('a payment of $payment goes to costs $costs, interest $interest, principal $principal', (row) => {
  expect(splitPaymentOverClaim(row.payment, owed)).toEqual({
    costsMinor: row.costs,
    interestMinor: row.interest,
    principalMinor: row.principal,
    overpaidMinor: row.overpaid,
  })
})

test('the parts always add up to the payment and never exceed what is owed', () => {
  const amount = fc.bigInt({ min: 0n, max: 10_000_000n })
  fc.assert(
    fc.property(amount, amount, amount, amount, (payment, costs, interest, principal) => {
      const split = splitPaymentOverClaim(payment, {
        costsMinor: costs,
        interestMinor: interest,
        principalMinor: principal,
      })
      const total = split.costsMinor + split.interestMinor + split.principalMinor
      expect(total + split.overpaidMinor).toBe(payment)
      expect(split.costsMinor <= costs && split.interestMinor <= interest).toBe(true)
      expect(split.principalMinor <= principal).toBe(true)
      if (split.principalMinor > 0n)
        expect(split.costsMinor + split.interestMinor).toBe(costs + interest)
    }),
  )
})

test('refuses a negative payment', () => {
  expect(() => splitPaymentOverClaim(-1n, owed)).toThrow(RangeError)
})
