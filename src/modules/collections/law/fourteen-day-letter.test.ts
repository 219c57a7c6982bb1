import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { addDays, daysBetween } from '../../../core/dates.js'
import {
  checkFourteenDayLetter,
  costsToNameInLetter,
  type FourteenDayLetter,
  letterTerm,
  mayChargeConsumerCosts,
  presumedReceiptDate,
} from './fourteen-day-letter.js'

// The 14-day letter of art. 6:96 lid 6 BW, as ../shared/reference/nl-collections.md §1.4 reads
// it: 14 days from the day after receipt; post presumed received on the 2nd day after sending,
// not counting Sundays, Mondays or public holidays (HR 25-11-2016); the letter names the costs
// as an amount; no costs before the term has passed.

describe('when a letter sent by post is presumed received', () => {
  test.each`
    sentOn          | receivedOn      | why
    ${'2026-03-05'} | ${'2026-03-07'} | ${'Thursday → Saturday'}
    ${'2026-03-06'} | ${'2026-03-10'} | ${'Friday → Tuesday: Sunday and Monday do not count'}
    ${'2026-03-07'} | ${'2026-03-11'} | ${'Saturday → Wednesday'}
    ${'2026-03-08'} | ${'2026-03-11'} | ${'Sunday → Wednesday'}
    ${'2026-03-09'} | ${'2026-03-11'} | ${'Monday → Wednesday'}
    ${'2026-03-10'} | ${'2026-03-12'} | ${'Tuesday → Thursday'}
    ${'2026-04-02'} | ${'2026-04-07'} | ${'Thursday before Easter: Goede Vrijdag and Tweede Paasdag do not count'}
    ${'2026-05-12'} | ${'2026-05-15'} | ${'Hemelvaartsdag does not count'}
    ${'2026-12-23'} | ${'2026-12-29'} | ${'Christmas, then Sunday and Monday'}
    ${'2025-12-31'} | ${'2026-01-03'} | ${'Nieuwjaarsdag, across the year end'}
  `('sent $sentOn → received $receivedOn ($why)', ({ sentOn, receivedOn }) => {
    expect(presumedReceiptDate(sentOn)).toBe(receivedOn)
  })
})

describe('the term and the first day costs may be charged', () => {
  test('receipt + 1 + 14 days; a term ending on a Saturday runs to Monday (Atw)', () => {
    expect(letterTerm({ dueDate: '2026-03-01', sentOn: '2026-03-05' })).toEqual({
      receivedOn: '2026-03-07',
      receiptPresumed: true,
      termEndsOn: '2026-03-23',
      costsChargeableFrom: '2026-03-24',
    })
  })

  test('a proven receipt replaces the presumption', () => {
    expect(
      letterTerm({ dueDate: '2026-03-01', sentOn: '2026-03-05', receivedOn: '2026-03-10' }),
    ).toEqual({
      receivedOn: '2026-03-10',
      receiptPresumed: false,
      termEndsOn: '2026-03-24',
      costsChargeableFrom: '2026-03-25',
    })
  })

  test('a term ending at Christmas runs on past the holidays and the weekend', () => {
    const term = letterTerm({
      dueDate: '2026-11-30',
      sentOn: '2026-12-09',
      receivedOn: '2026-12-11',
    })
    expect(term.termEndsOn).toBe('2026-12-28')
    expect(term.costsChargeableFrom).toBe('2026-12-29')
  })

  test("a policy's margin comes on top", () => {
    const term = letterTerm({ dueDate: '2026-03-01', sentOn: '2026-03-05', marginDays: 2 })
    expect(term.costsChargeableFrom).toBe('2026-03-26')
  })

  test('costs may be charged from that day, not on the last day of the term', () => {
    const term = letterTerm({ dueDate: '2026-03-01', sentOn: '2026-03-05' })
    expect(mayChargeConsumerCosts(term, '2026-03-23')).toBe(false)
    expect(mayChargeConsumerCosts(term, '2026-03-24')).toBe(true)
  })

  test('a letter on or before the due date starts no term', () => {
    expect(() => letterTerm({ dueDate: '2026-03-05', sentOn: '2026-03-05' })).toThrow(
      /precedes the default/,
    )
    expect(() =>
      letterTerm({ dueDate: '2026-03-01', sentOn: '2026-03-05', receivedOn: '2026-03-04' }),
    ).toThrow(/before sent/)
  })

  test('costs never come earlier than 17 days after sending, nor before the default', () => {
    const day = fc.integer({ min: 0, max: 3_650 }).map((n) => addDays('2020-01-01', n))
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 120 }), (dueDate, late) => {
        const sentOn = addDays(dueDate, late)
        const term = letterTerm({ dueDate, sentOn })
        expect(daysBetween(sentOn, term.receivedOn)).toBeGreaterThanOrEqual(2)
        expect(daysBetween(sentOn, term.receivedOn)).toBeLessThanOrEqual(8)
        expect(daysBetween(term.receivedOn, term.costsChargeableFrom)).toBeGreaterThanOrEqual(15)
        expect(daysBetween(sentOn, term.costsChargeableFrom)).toBeGreaterThanOrEqual(17)
        const weekday = new Date(`${term.receivedOn}T00:00:00Z`).getUTCDay()
        expect([0, 1]).not.toContain(weekday)
      }),
    )
  })
})

describe('checking a 14-day letter to a consumer', () => {
  const good: FourteenDayLetter = {
    dueDate: '2026-03-01',
    sentOn: '2026-03-05',
    paymentTerm: { daysAfterReceipt: 14 },
    principalMinor: 100_000n,
    collectionCostsNamedMinor: 15_000n,
    statesConsequences: true,
    costsChargedMinor: 0n,
  }

  test('a letter as the law wants it makes the named costs chargeable after the term', () => {
    const check = checkFourteenDayLetter(good)
    expect(check.problems).toEqual([])
    expect(check.acceptable).toBe(true)
    expect(check.costsChargeableMinor).toBe(15_000n)
    expect(check.term?.costsChargeableFrom).toBe('2026-03-24')
  })

  test.each`
    change                                       | problem
    ${{ sentOn: '2026-03-01' }}                  | ${'letter_before_default'}
    ${{ sentOn: '2026-02-20' }}                  | ${'letter_before_default'}
    ${{ paymentTerm: { daysAfterReceipt: 10 } }} | ${'term_too_short'}
    ${{ paymentTerm: { payBy: '2026-03-20' } }}  | ${'term_too_short'}
    ${{ paymentTerm: { payBy: '2026-03-19' } }}  | ${'term_too_short'}
    ${{ collectionCostsNamedMinor: undefined }}  | ${'costs_amount_missing'}
    ${{ collectionCostsNamedMinor: 15_001n }}    | ${'costs_amount_too_high'}
    ${{ statesConsequences: false }}             | ${'consequences_missing'}
    ${{ costsChargedMinor: 4_000n }}             | ${'costs_charged_in_letter'}
  `('refuses $problem', ({ change, problem }) => {
    const check = checkFourteenDayLetter({ ...good, ...change })
    expect(check.acceptable).toBe(false)
    expect(check.problems.map((p) => p.code)).toEqual([problem])
    expect(check.costsChargeableMinor).toBe(0n)
  })

  test('the message of a too-early date names the day the debtor has', () => {
    const check = checkFourteenDayLetter({ ...good, paymentTerm: { payBy: '2026-03-20' } })
    expect(check.problems[0].message).toBe(
      'The letter asks payment by 2026-03-20; received on 2026-03-07 (presumed), the debtor has until 2026-03-21',
    )
  })

  test('a concrete last day of receipt + 14 is enough; a later one delays the costs', () => {
    expect(
      checkFourteenDayLetter({ ...good, paymentTerm: { payBy: '2026-03-21' } }).term,
    ).toMatchObject({ costsChargeableFrom: '2026-03-24' })
    const longer = checkFourteenDayLetter({ ...good, paymentTerm: { payBy: '2026-03-31' } })
    expect(longer.acceptable).toBe(true)
    expect(longer.term?.costsChargeableFrom).toBe('2026-04-01')
  })

  test('a letter that gives more than 14 days after receipt delays the costs to its end', () => {
    const check = checkFourteenDayLetter({ ...good, paymentTerm: { daysAfterReceipt: 21 } })
    expect(check.acceptable).toBe(true)
    // Received Saturday 03-07 (presumed); 21 days end on 03-28.
    expect(check.term?.costsChargeableFrom).toBe('2026-03-29')
  })

  test("the policy's margin counts from the later of the law's term and the letter's date", () => {
    const longer = { ...good, marginDays: 2 }
    const atLawsEnd = checkFourteenDayLetter({ ...longer, paymentTerm: { payBy: '2026-03-23' } })
    expect(atLawsEnd.term?.costsChargeableFrom).toBe('2026-03-26')
    const dayAfter = checkFourteenDayLetter({ ...longer, paymentTerm: { payBy: '2026-03-24' } })
    expect(dayAfter.term?.costsChargeableFrom).toBe('2026-03-27')
  })

  test('naming less than the scale is allowed; the debtor then owes only what was named', () => {
    const check = checkFourteenDayLetter({ ...good, collectionCostsNamedMinor: 10_000n })
    expect(check.acceptable).toBe(true)
    expect(check.costsChargeableMinor).toBe(10_000n)
  })

  test('the amount to name includes VAT only where the creditor may add it', () => {
    const vat = { collectsThroughVatTaxedService: true, canDeductVat: false, statesVatReason: true }
    expect(costsToNameInLetter(100_000n, vat).totalMinor).toBe(18_150n)
    expect(costsToNameInLetter(100_000n).totalMinor).toBe(15_000n)
    const check = checkFourteenDayLetter({ ...good, vat, collectionCostsNamedMinor: 18_150n })
    expect(check.acceptable).toBe(true)
    expect(check.costsChargeableMinor).toBe(18_150n)
  })

  test('reports every problem of a letter at once', () => {
    const check = checkFourteenDayLetter({
      ...good,
      sentOn: '2026-02-28',
      collectionCostsNamedMinor: undefined,
      statesConsequences: false,
    })
    expect(check.problems.map((p) => p.code)).toEqual([
      'letter_before_default',
      'costs_amount_missing',
      'consequences_missing',
    ])
    expect(check.problems[1].message).toContain('150.00 EUR')
    expect(check.term).toBeUndefined()
  })
})
