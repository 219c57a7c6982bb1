import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  belgianCompensationMaxMinor,
  belgianPublicHolidays,
  belgianWaitingPeriod,
} from './be-consumer-debts.js'

// Belgium, Book XIX WER, as ../shared/reference/nl-collections.md §4.1 gives it. The third
// tier of the compensation cap rests on one truncated source (see be-consumer-debts.ts).

describe('the cap on the flat compensation (Belgian consumers)', () => {
  test.each`
    balance       | cap          | why
    ${100_00n}    | ${20_00n}    | ${'≤ €150: €20'}
    ${150_00n}    | ${20_00n}    | ${'€150 itself is in the first tier'}
    ${150_01n}    | ${30_00n}    | ${'€30 + 10% of one cent'}
    ${300_00n}    | ${45_00n}    | ${'€30 + 10% of €150'}
    ${500_00n}    | ${65_00n}    | ${'top of the second tier'}
    ${1_000_00n}  | ${90_00n}    | ${'€65 + 5% of €500 (third tier, to verify)'}
    ${39_200_00n} | ${2_000_00n} | ${'the €2,000 ceiling is reached here'}
    ${50_000_00n} | ${2_000_00n} | ${'and never passed'}
  `('a balance of $balance cents → at most $cap cents ($why)', ({ balance, cap }) => {
    expect(belgianCompensationMaxMinor(balance)).toBe(cap)
  })

  test('never decreases as the balance grows', () => {
    const balance = fc.bigInt({ min: 0n, max: 10_000_000n })
    fc.assert(
      fc.property(balance, balance, (a, b) => {
        const [low, high] = a < b ? [a, b] : [b, a]
        expect(belgianCompensationMaxMinor(high) >= belgianCompensationMaxMinor(low)).toBe(true)
      }),
    )
  })
})

describe('the waiting period after the free first reminder', () => {
  test('sent electronically: 14 days from the day after sending', () => {
    expect(belgianWaitingPeriod({ sentOn: '2026-03-09', channel: 'electronic' })).toEqual({
      startsOn: '2026-03-10',
      endsOn: '2026-03-23',
      costsChargeableFrom: '2026-03-24',
    })
  })

  test('sent by post: from the third working day after sending', () => {
    expect(belgianWaitingPeriod({ sentOn: '2026-03-09', channel: 'post' }).startsOn).toBe(
      '2026-03-12',
    )
    // Friday 17 July 2026: Monday 20 is the 1st, 21 July (national holiday) does not count.
    expect(belgianWaitingPeriod({ sentOn: '2026-07-17', channel: 'post' })).toEqual({
      startsOn: '2026-07-23',
      endsOn: '2026-08-05',
      costsChargeableFrom: '2026-08-06',
    })
  })

  test('Belgium has ten legal public holidays', () => {
    expect(belgianPublicHolidays(2026)).toEqual([
      '2026-01-01',
      '2026-04-06',
      '2026-05-01',
      '2026-05-14',
      '2026-05-25',
      '2026-07-21',
      '2026-08-15',
      '2026-11-01',
      '2026-11-11',
      '2026-12-25',
    ])
  })
})
