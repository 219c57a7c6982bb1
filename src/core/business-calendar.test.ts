import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  addBusinessDays,
  businessCalendar,
  dueDate,
  dutchHolidayDates,
  dutchPublicHolidays,
  easterSunday,
  isBusinessDay,
  nextBusinessDay,
} from './business-calendar.js'
import { addDays, daysBetween } from './dates.js'

const years = [2025, 2026, 2027, 2028, 2029, 2030]
const dutch = businessCalendar({ holidays: dutchHolidayDates(years) })
const dutchWithGoodFriday = businessCalendar({
  holidays: dutchHolidayDates(years, { goodFriday: true }),
})
const dutchLiberationEveryYear = businessCalendar({
  holidays: dutchHolidayDates(years, { liberationDay: 'every-year' }),
})

describe('Easter and the Dutch public holidays', () => {
  test.each`
    year    | easter
    ${1818} | ${'1818-03-22'}
    ${1943} | ${'1943-04-25'}
    ${2019} | ${'2019-04-21'}
    ${2024} | ${'2024-03-31'}
    ${2025} | ${'2025-04-20'}
    ${2026} | ${'2026-04-05'}
    ${2027} | ${'2027-03-28'}
    ${2038} | ${'2038-04-25'}
    ${2285} | ${'2285-03-22'}
  `('Easter Sunday $year is $easter', ({ year, easter }) => {
    expect(easterSunday(year)).toBe(easter)
  })

  test('2026: Easter 5 April, Koningsdag on Monday 27 April, no lustrum', () => {
    expect(
      dutchPublicHolidays(2026).map((h) => `${h.date} ${h.name} ${h.generallyDayOff}`),
    ).toEqual([
      '2026-01-01 Nieuwjaarsdag true',
      '2026-04-03 Goede Vrijdag false',
      '2026-04-05 Eerste Paasdag true',
      '2026-04-06 Tweede Paasdag true',
      '2026-04-27 Koningsdag true',
      '2026-05-05 Bevrijdingsdag false',
      '2026-05-14 Hemelvaartsdag true',
      '2026-05-24 Eerste Pinksterdag true',
      '2026-05-25 Tweede Pinksterdag true',
      '2026-12-25 Eerste Kerstdag true',
      '2026-12-26 Tweede Kerstdag true',
    ])
  })

  test('2027: Easter 28 March, so Goede Vrijdag falls in March', () => {
    expect(dutchPublicHolidays(2027).map((h) => `${h.date} ${h.name}`)).toEqual([
      '2027-01-01 Nieuwjaarsdag',
      '2027-03-26 Goede Vrijdag',
      '2027-03-28 Eerste Paasdag',
      '2027-03-29 Tweede Paasdag',
      '2027-04-27 Koningsdag',
      '2027-05-05 Bevrijdingsdag',
      '2027-05-06 Hemelvaartsdag',
      '2027-05-16 Eerste Pinksterdag',
      '2027-05-17 Tweede Pinksterdag',
      '2027-12-25 Eerste Kerstdag',
      '2027-12-26 Tweede Kerstdag',
    ])
  })

  test.each`
    case                                                  | year    | name                | date            | generallyDayOff
    ${'Koningsdag moves to Saturday when 27th is Sunday'} | ${2025} | ${'Koningsdag'}     | ${'2025-04-26'} | ${true}
    ${'Bevrijdingsdag is a day off in a lustrum year'}    | ${2025} | ${'Bevrijdingsdag'} | ${'2025-05-05'} | ${true}
    ${'and in the next lustrum year'}                     | ${2030} | ${'Bevrijdingsdag'} | ${'2030-05-05'} | ${true}
    ${'but not in between'}                               | ${2027} | ${'Bevrijdingsdag'} | ${'2027-05-05'} | ${false}
  `('$case ($year)', ({ year, name, date, generallyDayOff }) => {
    expect(dutchPublicHolidays(year).find((h) => h.name === name)).toEqual({
      date,
      name,
      generallyDayOff,
    })
  })
})

describe('business days', () => {
  test.each`
    case                                         | date            | calendar                                     | business
    ${'an ordinary Tuesday'}                     | ${'2026-04-28'} | ${dutch}                                     | ${true}
    ${'a Saturday'}                              | ${'2026-04-25'} | ${dutch}                                     | ${false}
    ${'a Sunday'}                                | ${'2026-04-26'} | ${dutch}                                     | ${false}
    ${'Koningsdag'}                              | ${'2026-04-27'} | ${dutch}                                     | ${false}
    ${'Tweede Paasdag'}                          | ${'2026-04-06'} | ${dutch}                                     | ${false}
    ${'Goede Vrijdag, not a general day off'}    | ${'2026-04-03'} | ${dutch}                                     | ${true}
    ${'Goede Vrijdag, when configured off'}      | ${'2026-04-03'} | ${dutchWithGoodFriday}                       | ${false}
    ${'Bevrijdingsdag 2026 (no lustrum)'}        | ${'2026-05-05'} | ${dutch}                                     | ${true}
    ${'Bevrijdingsdag 2026, every year'}         | ${'2026-05-05'} | ${dutchLiberationEveryYear}                  | ${false}
    ${'Hemelvaartsdag 2027'}                     | ${'2027-05-06'} | ${dutch}                                     | ${false}
    ${'Saturday with a Friday–Saturday weekend'} | ${'2026-04-25'} | ${businessCalendar({ weekendDays: [5, 6] })} | ${false}
    ${'Sunday with a Friday–Saturday weekend'}   | ${'2026-04-26'} | ${businessCalendar({ weekendDays: [5, 6] })} | ${true}
  `('$case: $date is a business day: $business', ({ date, calendar, business }) => {
    expect(isBusinessDay(date, calendar)).toBe(business)
  })

  test.each`
    case                                | date            | next
    ${'a business day is its own next'} | ${'2026-04-28'} | ${'2026-04-28'}
    ${'Saturday, Sunday, Koningsdag'}   | ${'2026-04-25'} | ${'2026-04-28'}
    ${'Eerste Kerstdag on a Friday'}    | ${'2026-12-25'} | ${'2026-12-28'}
  `('next business day: $case', ({ date, next }) => {
    expect(nextBusinessDay(date, dutch)).toBe(next)
  })

  test.each`
    case                                             | date            | n     | result
    ${'Thursday + 1 is Goede Vrijdag (a workday)'}   | ${'2026-04-02'} | ${1}  | ${'2026-04-03'}
    ${'Thursday + 2 skips Easter to Tuesday'}        | ${'2026-04-02'} | ${2}  | ${'2026-04-07'}
    ${'Friday + 1 skips the weekend and Koningsdag'} | ${'2026-04-24'} | ${1}  | ${'2026-04-28'}
    ${'Tuesday − 1 goes back over them'}             | ${'2026-04-28'} | ${-1} | ${'2026-04-24'}
    ${'Saturday + 0 rolls forward'}                  | ${'2026-04-25'} | ${0}  | ${'2026-04-28'}
    ${'Wednesday + 1 skips Hemelvaartsdag'}          | ${'2026-05-13'} | ${1}  | ${'2026-05-15'}
    ${'over Christmas and New Year'}                 | ${'2026-12-24'} | ${5}  | ${'2027-01-04'}
  `('add business days: $case', ({ date, n, result }) => {
    expect(addBusinessDays(date, n, dutch)).toBe(result)
  })
})

describe('due dates', () => {
  test.each`
    case                                                 | invoiceDate     | terms | calendar                    | due
    ${'lands on Koningsdag (Monday)'}                    | ${'2026-03-28'} | ${30} | ${dutch}                    | ${'2026-04-28'}
    ${'lands on the Saturday before Koningsdag'}         | ${'2026-03-26'} | ${30} | ${dutch}                    | ${'2026-04-28'}
    ${'lands on Eerste Paasdag, Tweede Paasdag follows'} | ${'2026-03-06'} | ${30} | ${dutch}                    | ${'2026-04-07'}
    ${'lands on Goede Vrijdag, a workday'}               | ${'2026-03-04'} | ${30} | ${dutch}                    | ${'2026-04-03'}
    ${'lands on Goede Vrijdag, configured off'}          | ${'2026-03-04'} | ${30} | ${dutchWithGoodFriday}      | ${'2026-04-07'}
    ${'lands on Hemelvaartsdag'}                         | ${'2026-04-14'} | ${30} | ${dutch}                    | ${'2026-05-15'}
    ${'lands on Tweede Pinksterdag'}                     | ${'2026-05-11'} | ${14} | ${dutch}                    | ${'2026-05-26'}
    ${'lands on Eerste Kerstdag (Friday)'}               | ${'2026-11-25'} | ${30} | ${dutch}                    | ${'2026-12-28'}
    ${'lands on Nieuwjaarsdag 2027 (Friday)'}            | ${'2026-12-02'} | ${30} | ${dutch}                    | ${'2027-01-04'}
    ${'lands on Koningsdag 2027 (Tuesday)'}              | ${'2027-04-13'} | ${14} | ${dutch}                    | ${'2027-04-28'}
    ${'Bevrijdingsdag 2027, no lustrum'}                 | ${'2027-04-21'} | ${14} | ${dutch}                    | ${'2027-05-05'}
    ${'Bevrijdingsdag 2027 off, then Hemelvaartsdag'}    | ${'2027-04-21'} | ${14} | ${dutchLiberationEveryYear} | ${'2027-05-07'}
    ${'an ordinary Thursday'}                            | ${'2027-04-15'} | ${14} | ${dutch}                    | ${'2027-04-29'}
    ${'terms 0 on a Saturday'}                           | ${'2026-04-25'} | ${0}  | ${dutch}                    | ${'2026-04-28'}
  `('$case: $invoiceDate + $terms days → $due', ({ invoiceDate, terms, calendar, due }) => {
    expect(dueDate(invoiceDate, terms, calendar)).toBe(due)
  })

  test.each`
    case                   | invoiceDate     | terms
    ${'negative terms'}    | ${'2026-04-01'} | ${-1}
    ${'fractional terms'}  | ${'2026-04-01'} | ${1.5}
    ${'not a date'}        | ${'2026-02-30'} | ${30}
    ${'not in YYYY-MM-DD'} | ${'1/4/2026'}   | ${30}
  `('refuses $case', ({ invoiceDate, terms }) => {
    expect(() => dueDate(invoiceDate, terms, dutch)).toThrow(RangeError)
  })

  test('refuses a calendar without working days', () => {
    expect(() => businessCalendar({ weekendDays: [0, 1, 2, 3, 4, 5, 6] })).toThrow(RangeError)
  })

  // Invoice dates 2025-01-01 … 2029-06-30 with terms up to 120 days stay inside the years the
  // Dutch calendar above covers.
  const invoiceDate = fc.integer({ min: 0, max: 1641 }).map((days) => addDays('2025-01-01', days))
  const terms = fc.integer({ min: 0, max: 120 })
  const someCalendar = fc.oneof(
    fc.constantFrom(dutch, dutchWithGoodFriday, dutchLiberationEveryYear),
    fc
      .uniqueArray(fc.integer({ min: 0, max: 1900 }), { maxLength: 200 })
      .map((days) => businessCalendar({ holidays: days.map((d) => addDays('2025-01-01', d)) })),
  )

  test('the due date is the first business day on or after invoice date + terms', () => {
    fc.assert(
      fc.property(invoiceDate, terms, someCalendar, (date, days, calendar) => {
        const due = dueDate(date, days, calendar)
        const earliest = addDays(date, days)
        expect(isBusinessDay(due, calendar)).toBe(true)
        expect(daysBetween(earliest, due)).toBeGreaterThanOrEqual(0)
        for (let day = earliest; day < due; day = addDays(day, 1)) {
          expect(isBusinessDay(day, calendar)).toBe(false)
        }
      }),
    )
  })

  test('adding n business days to a business day and taking them off again returns it', () => {
    fc.assert(
      fc.property(
        invoiceDate,
        fc.integer({ min: -40, max: 40 }),
        someCalendar,
        (date, n, calendar) => {
          const start = nextBusinessDay(date, calendar)
          const moved = addBusinessDays(start, n, calendar)
          expect(isBusinessDay(moved, calendar)).toBe(true)
          expect(Math.sign(daysBetween(start, moved))).toBe(Math.sign(n))
          expect(addBusinessDays(moved, -n, calendar)).toBe(start)
        },
      ),
    )
  })
})
