import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  type AssessmentFacts,
  assessCredit,
  type BehaviourFacts,
  classOfReport,
  classOfScore,
  internalScore,
  type ReportFacts,
} from './scoring.js'

// The internal score and the suggestion built on it: properties over any behaviour, and the
// readable reasons for a few customers an analyst would recognise.

const behaviourArb = fc
  .record({
    invoicesPaidCount: fc.integer({ min: 0, max: 10_000 }),
    lateShare: fc.double({ min: 0, max: 1, noNaN: true }),
    averageDaysLate: fc.integer({ min: 0, max: 1_000 }),
    openOverdueMinor: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    disputesCount: fc.integer({ min: 0, max: 100 }),
    brokenPromisesCount: fc.integer({ min: 0, max: 100 }),
  })
  .map(
    ({ lateShare, ...b }): BehaviourFacts => ({
      ...b,
      asOf: '2026-03-01',
      currency: 'EUR',
      invoicesPaidLateCount: Math.floor(b.invoicesPaidCount * lateShare),
    }),
  )

const limitArb = fc.option(fc.bigInt({ min: 0n, max: 10n ** 12n }), { nil: null })

const perfect: BehaviourFacts = {
  asOf: '2026-03-01',
  invoicesPaidCount: 24,
  invoicesPaidLateCount: 0,
  averageDaysLate: 0,
  openOverdueMinor: 0n,
  currency: 'EUR',
  disputesCount: 0,
  brokenPromisesCount: 0,
}

describe('internal score', () => {
  test('is a whole number from 0 to 100 for any behaviour', () => {
    fc.assert(
      fc.property(behaviourArb, limitArb, (b, limit) => {
        const score = internalScore(b, limit)
        expect(Number.isInteger(score)).toBe(true)
        expect(score).toBeGreaterThanOrEqual(0)
        expect(score).toBeLessThanOrEqual(100)
      }),
    )
  })

  test('a customer who pays everything on time and owes nothing overdue scores 100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), limitArb, (paid, limit) => {
        expect(internalScore({ ...perfect, invoicesPaidCount: paid }, limit)).toBe(100)
      }),
    )
  })

  test.each([
    [
      'more invoices paid late',
      (b: BehaviourFacts) => ({
        ...b,
        invoicesPaidLateCount: Math.min(b.invoicesPaidCount, b.invoicesPaidLateCount + 1),
      }),
    ],
    [
      'paying later on average',
      (b: BehaviourFacts) => ({ ...b, averageDaysLate: b.averageDaysLate + 7 }),
    ],
    [
      'more overdue',
      (b: BehaviourFacts) => ({ ...b, openOverdueMinor: b.openOverdueMinor + 10_000n }),
    ],
    ['another dispute', (b: BehaviourFacts) => ({ ...b, disputesCount: b.disputesCount + 1 })],
    [
      'another broken promise',
      (b: BehaviourFacts) => ({ ...b, brokenPromisesCount: b.brokenPromisesCount + 1 }),
    ],
  ])('%s never raises the score', (_name, worsen) => {
    fc.assert(
      fc.property(behaviourArb, limitArb, (b, limit) => {
        expect(internalScore(worsen(b), limit)).toBeLessThanOrEqual(internalScore(b, limit))
      }),
    )
  })

  test('a higher limit never lowers the score (the same overdue weighs less)', () => {
    fc.assert(
      fc.property(
        behaviourArb,
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        (b, limit, more) => {
          expect(internalScore(b, limit + more)).toBeGreaterThanOrEqual(internalScore(b, limit))
        },
      ),
    )
  })

  test.each`
    paid  | late  | days  | overdue       | limit         | disputes | broken | score
    ${20} | ${8}  | ${18} | ${0n}         | ${1_000_000n} | ${0}     | ${0}   | ${77}
    ${20} | ${20} | ${90} | ${1_000_000n} | ${1_000_000n} | ${4}     | ${2}   | ${0}
    ${10} | ${0}  | ${0}  | ${250_000n}   | ${1_000_000n} | ${0}     | ${0}   | ${96}
    ${0}  | ${0}  | ${0}  | ${100n}       | ${null}       | ${1}     | ${0}   | ${82}
  `(
    'paid $paid, $late late by $days days, overdue $overdue of $limit, $disputes disputes, $broken broken → $score',
    ({ paid, late, days, overdue, limit, disputes, broken, score }) => {
      expect(
        internalScore(
          {
            ...perfect,
            invoicesPaidCount: paid,
            invoicesPaidLateCount: late,
            averageDaysLate: days,
            openOverdueMinor: overdue,
            disputesCount: disputes,
            brokenPromisesCount: broken,
          },
          limit,
        ),
      ).toBe(score)
    },
  )

  test.each`
    score  | riskClass
    ${100} | ${'A'}
    ${85}  | ${'A'}
    ${84}  | ${'B'}
    ${70}  | ${'B'}
    ${50}  | ${'C'}
    ${30}  | ${'D'}
    ${29}  | ${'E'}
    ${0}   | ${'E'}
  `('score $score is class $riskClass', ({ score, riskClass }) => {
    expect(classOfScore(score)).toBe(riskClass)
  })
})

const graydon: ReportFacts = {
  id: 'r-1',
  bureau: 'Graydon',
  rating: 'B',
  score: null,
  paymentIndex: null,
  recommendedLimitMinor: 2_500_000n,
  currency: 'EUR',
  reportDate: '2026-02-01',
}

const facts = (f: Partial<AssessmentFacts>): AssessmentFacts => ({
  currency: 'EUR',
  currentLimitMinor: null,
  behaviour: undefined,
  report: undefined,
  today: '2026-03-01',
  ...f,
})

describe('assessment', () => {
  test.each`
    rating   | paymentIndex | riskClass
    ${'AAA'} | ${null}      | ${'A'}
    ${'b'}   | ${10}        | ${'B'}
    ${'CCC'} | ${null}      | ${'C'}
    ${'3A1'} | ${72}        | ${'B'}
    ${null}  | ${20}        | ${'E'}
    ${'NR'}  | ${null}      | ${null}
  `(
    'a bureau rating $rating with payment index $paymentIndex reads as class $riskClass',
    ({ rating, paymentIndex, riskClass }) => {
      expect(classOfReport({ ...graydon, rating, paymentIndex })).toBe(riskClass)
    },
  )

  test('a late payer with a B from the bureau: class C, 75% of the recommendation, in readable lines', () => {
    const assessment = assessCredit(
      facts({
        currentLimitMinor: 1_000_000n,
        behaviour: {
          ...perfect,
          invoicesPaidCount: 20,
          invoicesPaidLateCount: 8,
          averageDaysLate: 18,
          openOverdueMinor: 420_000n,
          disputesCount: 1,
        },
        report: graydon,
      }),
    )
    expect(assessment).toMatchObject({
      internalClass: 'C',
      bureauClass: 'B',
      suggestedClass: 'C',
      suggestedLimitMinor: 1_875_000n,
    })
    expect(assessment.reasons).toEqual([
      'Paid 40% of invoices late (avg 18 days)',
      '4,200.00 EUR overdue',
      '1 dispute',
      `Internal score ${assessment.internalScore} of 100: class C`,
      'Bureau Graydon rates B, recommends 25,000.00 EUR',
      'Suggested class C: the worse of internal C and bureau B',
      "Suggested limit 18,750.00 EUR: 75% of the bureau's 25,000.00 EUR for class C",
    ])
  })

  test('a new customer with only a bureau report is judged by the bureau alone', () => {
    const assessment = assessCredit(facts({ report: { ...graydon, reportDate: '2024-12-01' } }))
    expect(assessment).toMatchObject({
      internalScore: null,
      suggestedClass: 'B',
      suggestedLimitMinor: 2_500_000n,
    })
    expect(assessment.reasons).toContain('No payment history yet')
    expect(assessment.reasons).toContain('The Graydon report of 2024-12-01 is more than a year old')
  })

  test('without history or report there is no suggestion, and it says so', () => {
    const assessment = assessCredit(facts({}))
    expect(assessment).toMatchObject({ suggestedClass: null, suggestedLimitMinor: null })
    expect(assessment.reasons).toEqual([
      'No payment history yet',
      'No bureau report on file',
      'Not enough to suggest a class: no payment history and no bureau rating',
    ])
  })

  test('the suggested limit is whole units, never above the base, and never negative', () => {
    fc.assert(
      fc.property(
        behaviourArb,
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        fc.constantFrom('EUR', 'JPY', 'KWD'),
        (behaviour, recommended, currency) => {
          const a = assessCredit(
            facts({
              currency,
              behaviour: { ...behaviour, currency },
              report: { ...graydon, currency, recommendedLimitMinor: recommended },
            }),
          )
          const unit = currency === 'JPY' ? 1n : currency === 'KWD' ? 1000n : 100n
          expect(a.suggestedLimitMinor).not.toBeNull()
          const limit = a.suggestedLimitMinor as bigint
          expect(limit % unit).toBe(0n)
          expect(limit >= 0n && limit <= recommended).toBe(true)
        },
      ),
    )
  })
})
