import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { addDays, daysBetween } from '../../../core/dates.js'
import { statutoryRates } from './data-files.js'
import {
  addYears,
  firstInterestDay,
  type InterestKind,
  interestAfterDueDate,
  statutoryInterest,
  statutoryRateCoverage,
  statutoryRateOn,
} from './statutory-interest.js'

// Statutory interest (art. 6:119, 6:119a, 6:119b BW) from data/nl-statutory-interest.csv:
// periods split at rate changes and anniversaries of the first day, principal × rate × days /
// 365 rounded once per period, the year's interest added to the principal at each anniversary
// (nl-collections.md §2.2). The reference gives no worked interest example; the amounts below
// are worked by hand (shown) and were cross-checked with an independent computation in exact
// fractions.

const lines = (result: ReturnType<typeof statutoryInterest>) =>
  result.periods.map((p) => [
    p.from,
    p.to,
    p.days,
    p.ratePercent,
    p.principalMinor,
    p.interestMinor,
  ])

describe('statutory interest with a breakdown per period', () => {
  test('commercial interest over 2025: two half-year rates', () => {
    // 1,000.00 × 11.15% × 181/365 = 55.2918 → 55.29; 1,000.00 × 10.15% × 184/365 = 51.1671 → 51.17
    const result = statutoryInterest({
      kind: 'commercial',
      principalMinor: 100_000n,
      from: '2025-01-01',
      through: '2025-12-31',
    })
    expect(lines(result)).toEqual([
      ['2025-01-01', '2025-06-30', 181, '11.15', 100_000n, 5_529n],
      ['2025-07-01', '2025-12-31', 184, '10.15', 100_000n, 5_117n],
    ])
    expect(result.interestMinor).toBe(10_646n)
    expect(result.capitalisations).toEqual([])
  })

  test('consumer interest over two years: the first year is added to the principal', () => {
    // 2023: 10,000 × 4% × 181/365 = 198.36 and 10,000 × 6% × 184/365 = 302.47 → 500.83 added.
    // 2024: 10,500.83 × 7% × 182/365 = 366.52 and × 184/365 = 370.55 (days/365 in a leap year).
    const result = statutoryInterest({
      kind: 'statutory',
      principalMinor: 1_000_000n,
      from: '2023-01-01',
      through: '2024-12-31',
    })
    expect(lines(result)).toEqual([
      ['2023-01-01', '2023-06-30', 181, '4.00', 1_000_000n, 19_836n],
      ['2023-07-01', '2023-12-31', 184, '6.00', 1_000_000n, 30_247n],
      ['2024-01-01', '2024-06-30', 182, '7.00', 1_050_083n, 36_652n],
      ['2024-07-01', '2024-12-31', 184, '7.00', 1_050_083n, 37_055n],
    ])
    expect(result.capitalisations).toEqual([{ on: '2024-01-01', addedMinor: 50_083n }])
    expect(result.interestMinor).toBe(123_790n)
  })

  test('the year runs from the first day of interest, not from 1 January', () => {
    const result = statutoryInterest({
      kind: 'commercial',
      principalMinor: 123_456n,
      from: '2022-11-16',
      through: '2026-06-30',
    })
    expect(lines(result)).toEqual([
      ['2022-11-16', '2022-12-31', 46, '8.00', 123_456n, 1_245n],
      ['2023-01-01', '2023-06-30', 181, '10.50', 123_456n, 6_428n],
      ['2023-07-01', '2023-11-15', 138, '12.00', 123_456n, 5_601n],
      ['2023-11-16', '2023-12-31', 46, '12.00', 136_730n, 2_068n],
      ['2024-01-01', '2024-06-30', 182, '12.50', 136_730n, 8_522n],
      ['2024-07-01', '2024-11-15', 138, '12.25', 136_730n, 6_333n],
      ['2024-11-16', '2024-12-31', 46, '12.25', 153_653n, 2_372n],
      ['2025-01-01', '2025-06-30', 181, '11.15', 153_653n, 8_496n],
      ['2025-07-01', '2025-11-15', 138, '10.15', 153_653n, 5_896n],
      ['2025-11-16', '2025-12-31', 46, '10.15', 170_417n, 2_180n],
      ['2026-01-01', '2026-06-30', 181, '10.15', 170_417n, 8_578n],
    ])
    expect(result.capitalisations.map((c) => c.on)).toEqual([
      '2023-11-16',
      '2024-11-16',
      '2025-11-16',
    ])
    expect(result.interestMinor).toBe(57_719n)
  })

  test('a year that starts on 29 February ends on the last day of February', () => {
    const result = statutoryInterest({
      kind: 'statutory',
      principalMinor: 1_000_000n,
      from: '2024-02-29',
      through: '2025-03-31',
    })
    expect(lines(result)).toEqual([
      ['2024-02-29', '2024-06-30', 123, '7.00', 1_000_000n, 23_589n],
      ['2024-07-01', '2024-12-31', 184, '7.00', 1_000_000n, 35_288n],
      ['2025-01-01', '2025-02-28', 59, '6.00', 1_000_000n, 9_699n],
      ['2025-03-01', '2025-03-31', 31, '6.00', 1_068_576n, 5_445n],
    ])
    expect(addYears('2024-02-29', 1)).toBe('2025-03-01')
  })

  test('a period across a rate change is split on the day the new rate starts', () => {
    const result = statutoryInterest({
      kind: 'commercial',
      principalMinor: 250_000n,
      from: '2023-06-30',
      through: '2023-07-01',
    })
    expect(lines(result)).toEqual([
      ['2023-06-30', '2023-06-30', 1, '10.50', 250_000n, 72n],
      ['2023-07-01', '2023-07-01', 1, '12.00', 250_000n, 82n],
    ])
  })

  test('interest from the day after the due date; 6:119b uses the commercial rate', () => {
    expect(firstInterestDay('2026-01-31')).toBe('2026-02-01')
    const args = { principalMinor: 500_000n, from: '2026-02-01', through: '2026-02-28' }
    const commercial = statutoryInterest({ kind: 'commercial', ...args })
    const publicDebtor = statutoryInterest({ kind: 'commercial_public_debtor', ...args })
    expect(publicDebtor.periods).toEqual(commercial.periods)
    // 5,000 × 10.15% × 28/365 = 38.93
    expect(commercial.interestMinor).toBe(3_893n)
  })

  test('interest on an overdue item as of a day runs from the day after the due date', () => {
    const asOf = (day: string) =>
      interestAfterDueDate({
        kind: 'commercial',
        principalMinor: 500_000n,
        dueDate: '2026-01-31',
        asOf: day,
      })
    expect(asOf('2026-02-28').interestMinor).toBe(3_893n)
    expect(asOf('2026-02-28').from).toBe('2026-02-01')
    expect(asOf('2026-01-31').interestMinor).toBe(0n)
    expect(asOf('2026-01-15').periods).toEqual([])
  })

  test('zero days earn nothing', () => {
    const result = statutoryInterest({
      kind: 'statutory',
      principalMinor: 1_000_000n,
      from: '2025-05-01',
      through: '2025-04-30',
    })
    expect(result.interestMinor).toBe(0n)
    expect(result.periods).toEqual([])
  })

  test('a day outside the rate table is refused, naming the table and what it covers', () => {
    expect(() =>
      statutoryInterest({
        kind: 'statutory',
        principalMinor: 1_000n,
        from: '2026-06-01',
        through: '2026-07-01',
      }),
    ).toThrow(
      'No consumer_6_119 rate for 2026-07-01 in data/nl-statutory-interest.csv (it covers 2015-01-01 to 2026-06-30)',
    )
    expect(() => statutoryRateOn('commercial', '2014-12-31')).toThrow(RangeError)
    expect(statutoryRateCoverage('commercial')).toEqual({
      from: '2015-01-01',
      through: '2026-06-30',
    })
  })

  test('refuses a window that ends before it starts and a negative principal', () => {
    const base = { kind: 'statutory' as const, principalMinor: 1n, from: '2025-05-01' }
    expect(() => statutoryInterest({ ...base, through: '2025-04-29' })).toThrow(RangeError)
    expect(() =>
      statutoryInterest({ ...base, principalMinor: -1n, through: '2025-05-02' }),
    ).toThrow(RangeError)
  })
})

describe('properties of the interest', () => {
  const kinds = fc.constantFrom<InterestKind>('statutory', 'commercial')
  const principal = fc.bigInt({ min: 0n, max: 1_000_000_000n })
  // Windows inside the table, 2015-01-01 … 2026-06-30 (4,198 days): starts up to 2025-05-26,
  // windows up to 300 days.
  const startDay = fc.integer({ min: 0, max: 3_800 }).map((n) => addDays('2015-01-01', n))
  const run = (kind: InterestKind, principalMinor: bigint, from: string, through: string) =>
    statutoryInterest({ kind, principalMinor, from, through })

  test('the periods cover the window day by day and add up to the total, all in bigint', () => {
    fc.assert(
      fc.property(kinds, principal, startDay, fc.integer({ min: 0, max: 190 }), (k, p, from, n) => {
        const result = run(k, p, from, addDays(from, n))
        let next = from
        for (const period of result.periods) {
          expect(period.from).toBe(next)
          expect(period.days).toBe(daysBetween(period.from, period.to) + 1)
          expect(typeof period.interestMinor).toBe('bigint')
          expect(typeof period.principalMinor).toBe('bigint')
          next = addDays(period.to, 1)
        }
        expect(next).toBe(addDays(from, n + 1))
        expect(result.periods.reduce((s, x) => s + x.interestMinor, 0n)).toBe(result.interestMinor)
      }),
    )
  })

  test('never decreases as time passes', () => {
    fc.assert(
      fc.property(kinds, principal, startDay, fc.integer({ min: 0, max: 190 }), (k, p, from, n) => {
        const earlier = run(k, p, from, addDays(from, n)).interestMinor
        const later = run(k, p, from, addDays(from, n + 1)).interestMinor
        expect(later >= earlier).toBe(true)
      }),
    )
  })

  test('adds up exactly over adjacent windows split at a rate change, within a year', () => {
    const changes = statutoryRates()
      .map((r) => r.periodStart)
      .filter((day) => day > '2015-01-01')
    const change = fc.constantFrom(...changes)
    const days = fc.integer({ min: 0, max: 180 })
    fc.assert(
      fc.property(kinds, principal, change, days, days, (k, p, split, before, after) => {
        const from = addDays(split, -before - 1)
        const through = addDays(split, after)
        const whole = run(k, p, from, through).interestMinor
        const first = run(k, p, from, addDays(split, -1)).interestMinor
        const second = run(k, p, split, through).interestMinor
        expect(whole).toBe(first + second)
      }),
    )
  })

  test('adds up within a cent over a split inside one period (each part is rounded once)', () => {
    fc.assert(
      fc.property(
        kinds,
        principal,
        startDay,
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 150 }),
        (k, p, from, a, b) => {
          const split = addDays(from, a)
          const through = addDays(split, b)
          const whole = run(k, p, from, through)
          const first = run(k, p, from, addDays(split, -1))
          const second = run(k, p, split, through)
          // Same periods except that the split may cut one in two: at most one cent apart.
          const difference = whole.interestMinor - first.interestMinor - second.interestMinor
          expect(difference >= -1n && difference <= 1n).toBe(true)
        },
      ),
    )
  })

  test('zero days and a zero principal earn nothing', () => {
    fc.assert(
      fc.property(kinds, principal, startDay, (k, p, from) => {
        expect(run(k, p, from, addDays(from, -1)).interestMinor).toBe(0n)
        expect(run(k, 0n, from, addDays(from, 200)).interestMinor).toBe(0n)
      }),
    )
  })
})
