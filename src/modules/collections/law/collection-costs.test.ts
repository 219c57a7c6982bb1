import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { formatAmount, parseAmount } from '../../../core/money.js'
import {
  businessCollectionCosts,
  businessCostsChargeableFrom,
  type CollectionVatPosition,
  collectionCostsForClaims,
  collectionCostsMaximumMinor,
  consumerCollectionCosts,
  noVatOnCosts,
  statutoryCollectionCosts,
  vatMayBeAddedToCosts,
} from './collection-costs.js'

// The WIK scale (Besluit vergoeding voor buitengerechtelijke incassokosten, art. 2), in euros
// as a letter would print them. Examples from ../shared/reference/nl-collections.md §1.1.

const euro = (text: string) => {
  const minor = parseAmount(text, 'EUR')
  if (minor === undefined) throw new Error(`not an amount: ${text}`)
  return minor
}
const costsFor = (principal: string) =>
  formatAmount(statutoryCollectionCosts(euro(principal)), 'EUR')

describe('statutory collection costs (WIK scale)', () => {
  test.each`
    principal       | costs        | why
    ${'100.00'}     | ${'40.00'}   | ${'reference: below €266.67 the minimum'}
    ${'1000.00'}    | ${'150.00'}  | ${'reference: 15% of the first €2,500'}
    ${'2500.00'}    | ${'375.00'}  | ${'reference: top of the 15% bracket'}
    ${'5000.00'}    | ${'625.00'}  | ${'reference: top of the 10% bracket'}
    ${'10000.00'}   | ${'875.00'}  | ${'reference: top of the 5% bracket'}
    ${'200000.00'}  | ${'2775.00'} | ${'reference: top of the 1% bracket'}
    ${'1000000.00'} | ${'6775.00'} | ${'reference: the maximum is reached at exactly €1,000,000'}
    ${'2500000.00'} | ${'6775.00'} | ${'reference: and above it'}
  `('€$principal costs €$costs ($why)', ({ principal, costs }) => {
    expect(costsFor(principal)).toBe(costs)
  })

  test.each`
    principal      | costs        | why
    ${'0.01'}      | ${'40.00'}   | ${'any claim costs at least €40'}
    ${'266.66'}    | ${'40.00'}   | ${'15% is €39.999: the minimum'}
    ${'266.67'}    | ${'40.00'}   | ${'reference: 15% reaches €40 here (40.0005, rounded)'}
    ${'266.70'}    | ${'40.01'}   | ${'40.005 rounds half away from zero'}
    ${'1000.03'}   | ${'150.00'}  | ${'150.0045 rounds down'}
    ${'1000.10'}   | ${'150.02'}  | ${'150.015 rounds half away from zero'}
    ${'2499.99'}   | ${'375.00'}  | ${'just below the first boundary (374.9985)'}
    ${'2500.01'}   | ${'375.00'}  | ${'just above it: 375 + 10% of one cent'}
    ${'2510.00'}   | ${'376.00'}  | ${'10% above €2,500'}
    ${'5000.01'}   | ${'625.00'}  | ${'5% of one cent'}
    ${'10000.01'}  | ${'875.00'}  | ${'1% of one cent'}
    ${'10100.00'}  | ${'876.00'}  | ${'1% above €10,000'}
    ${'200100.00'} | ${'2775.50'} | ${'0.5% above €200,000'}
    ${'999999.99'} | ${'6775.00'} | ${'a cent below the maximum principal (6,774.99995)'}
    ${'999998.00'} | ${'6774.99'} | ${'0.5% of €799,998 = €3,999.99'}
  `('€$principal costs €$costs ($why)', ({ principal, costs }) => {
    expect(costsFor(principal)).toBe(costs)
  })

  test('a principal of zero costs nothing; a negative principal is a bug', () => {
    expect(statutoryCollectionCosts(0n)).toBe(0n)
    expect(() => statutoryCollectionCosts(-1n)).toThrow(RangeError)
  })

  test('the maximum is €6,775', () => {
    expect(collectionCostsMaximumMinor()).toBe(677_500n)
  })

  const principal = fc.bigInt({ min: 1n, max: 500_000_000n })

  test('never below €40 or above €6,775 for any claim', () => {
    fc.assert(
      fc.property(principal, (p) => {
        const costs = statutoryCollectionCosts(p)
        expect(typeof costs).toBe('bigint')
        expect(costs >= 4_000n && costs <= 677_500n).toBe(true)
      }),
    )
  })

  test('a larger principal never costs less', () => {
    fc.assert(
      fc.property(principal, fc.bigInt({ min: 0n, max: 100_000_000n }), (p, more) => {
        expect(statutoryCollectionCosts(p + more) >= statutoryCollectionCosts(p)).toBe(true)
      }),
    )
  })

  test('one more cent of principal adds at most one cent of costs (the scale has no jumps)', () => {
    fc.assert(
      fc.property(principal, (p) => {
        const step = statutoryCollectionCosts(p + 1n) - statutoryCollectionCosts(p)
        expect(step === 0n || step === 1n).toBe(true)
      }),
    )
  })
})

describe('several invoices in one letter', () => {
  test('the scale applies once to the summed principals, not €40 per invoice', () => {
    const claims = collectionCostsForClaims([euro('100.00'), euro('100.00'), euro('100.00')])
    expect(claims.principalMinor).toBe(euro('300.00'))
    expect(formatAmount(claims.costsMinor, 'EUR')).toBe('45.00')
    expect(claims.costsPerClaimMinor).toEqual([1_500n, 1_500n, 1_500n])
  })

  test('the costs per invoice follow the principals and add up to the whole', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10_000_000n }), { minLength: 1 }), (ps) => {
        const claims = collectionCostsForClaims(ps)
        expect(claims.costsPerClaimMinor.reduce((s, c) => s + c, 0n)).toBe(claims.costsMinor)
      }),
    )
  })
})

describe('VAT on collection costs (art. 2 lid 3 Besluit)', () => {
  test.each`
    taxedService | canDeduct | states   | vat
    ${true}      | ${false}  | ${true}  | ${true}
    ${true}      | ${true}   | ${true}  | ${false}
    ${false}     | ${false}  | ${true}  | ${false}
    ${true}      | ${false}  | ${false} | ${false}
  `(
    'taxed service $taxedService, can deduct $canDeduct, states it $states → VAT $vat',
    ({ taxedService, canDeduct, states, vat }) => {
      const position: CollectionVatPosition = {
        collectsThroughVatTaxedService: taxedService,
        canDeductVat: canDeduct,
        statesVatReason: states,
      }
      expect(vatMayBeAddedToCosts(position)).toBe(vat)
      const costs = consumerCollectionCosts(euro('1000.00'), position)
      expect(costs.costsMinor).toBe(15_000n)
      expect(costs.vatMinor).toBe(vat ? 3_150n : 0n)
      expect(costs.totalMinor).toBe(vat ? 18_150n : 15_000n)
    },
  )

  test('a VAT-registered creditor charges the costs without VAT', () => {
    expect(consumerCollectionCosts(euro('1000.00'), noVatOnCosts).vatMinor).toBe(0n)
  })
})

describe('collection costs between businesses', () => {
  test('the scale applies unless other costs were agreed', () => {
    const costs = businessCollectionCosts({ principalMinor: euro('1000.00') })
    expect(costs).toMatchObject({ costsMinor: 15_000n, basis: 'statutory_scale' })
    expect(costs.aboveStatutoryScale).toBe(false)
  })

  test('agreed costs replace the scale; above it a court may moderate them', () => {
    const costs = businessCollectionCosts({
      principalMinor: euro('1000.00'),
      agreedCostsMinor: euro('200.00'),
    })
    expect(costs).toMatchObject({ costsMinor: 20_000n, basis: 'agreed', aboveStatutoryScale: true })
  })

  test('never below the €40 of the Late Payment Directive', () => {
    const costs = businessCollectionCosts({
      principalMinor: euro('100.00'),
      agreedCostsMinor: euro('10.00'),
    })
    expect(costs.costsMinor).toBe(4_000n)
  })

  test('chargeable the day after the due date, without a letter', () => {
    expect(businessCostsChargeableFrom('2026-03-31')).toBe('2026-04-01')
  })
})
