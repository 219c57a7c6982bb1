// Due dates on a business calendar: a payment term of N days ends N calendar days after the
// invoice date and, when that day is a weekend day or a holiday, moves to the next business day.
// Pure functions on CalendarDate strings (see ./dates.ts); a tenant's calendar is data.

import { addDays, type CalendarDate, isCalendarDate } from './dates.js'

export interface BusinessCalendar {
  /** Days of the week that are never business days: 0 = Sunday … 6 = Saturday. */
  readonly weekendDays: ReadonlySet<number>
  readonly holidays: ReadonlySet<CalendarDate>
}

/** A calendar with the given holidays; the weekend is Saturday and Sunday unless told. */
export function businessCalendar(options: {
  holidays?: Iterable<CalendarDate>
  weekendDays?: Iterable<number>
}): BusinessCalendar {
  const weekendDays = new Set(options.weekendDays ?? [0, 6])
  for (const day of weekendDays) {
    if (!Number.isInteger(day) || day < 0 || day > 6) {
      throw new RangeError(`A weekend day is 0 (Sunday) to 6 (Saturday), not ${day}`)
    }
  }
  if (weekendDays.size === 7) throw new RangeError('A calendar needs at least one working day')
  const holidays = new Set<CalendarDate>()
  for (const date of options.holidays ?? []) holidays.add(checked(date))
  return { weekendDays, holidays }
}

export function isBusinessDay(date: CalendarDate, calendar: BusinessCalendar): boolean {
  return !calendar.weekendDays.has(dayOfWeek(checked(date))) && !calendar.holidays.has(date)
}

/** The date itself when it is a business day, otherwise the first business day after it. */
export function nextBusinessDay(date: CalendarDate, calendar: BusinessCalendar): CalendarDate {
  return step(checked(date), 1, calendar)
}

/**
 * The n-th business day after date (n > 0) or before it (n < 0); the date itself is not
 * counted, so Friday + 1 is Monday and Saturday + 1 is Monday too. n = 0 gives
 * nextBusinessDay(date).
 */
export function addBusinessDays(
  date: CalendarDate,
  n: number,
  calendar: BusinessCalendar,
): CalendarDate {
  if (!Number.isSafeInteger(n)) throw new RangeError(`Business days must be a whole number: ${n}`)
  let current = checked(date)
  if (n === 0) return nextBusinessDay(current, calendar)
  const direction = n > 0 ? 1 : -1
  for (let left = Math.abs(n); left > 0; left--) {
    current = step(addDays(current, direction), direction, calendar)
  }
  return current
}

/** Invoice date + termsDays calendar days, rolled forward to the next business day. */
export function dueDate(
  invoiceDate: CalendarDate,
  termsDays: number,
  calendar: BusinessCalendar,
): CalendarDate {
  if (!Number.isSafeInteger(termsDays) || termsDays < 0) {
    throw new RangeError(`Payment terms are a whole number of days, 0 or more: ${termsDays}`)
  }
  return nextBusinessDay(addDays(checked(invoiceDate), termsDays), calendar)
}

/** More holidays in a row than any real calendar has; stops a runaway loop on a bad calendar. */
const longestClosure = 366

/** The first business day from date on (date included), going forwards or backwards. */
function step(date: CalendarDate, direction: 1 | -1, calendar: BusinessCalendar): CalendarDate {
  let current = date
  for (let tried = 0; tried <= longestClosure; tried++) {
    if (isBusinessDay(current, calendar)) return current
    current = addDays(current, direction)
  }
  throw new RangeError(`No business day within ${longestClosure} days of ${date}`)
}

function dayOfWeek(date: CalendarDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay()
}

function checked(date: CalendarDate): CalendarDate {
  if (!isCalendarDate(date)) throw new RangeError(`Not a calendar date (YYYY-MM-DD): '${date}'`)
  return date
}

// ---------------------------------------------------------------------------------------------
// Dutch public holidays
//
// The Algemene termijnenwet (art. 3 lid 1) names the general holidays on which a statutory term
// does not end: Nieuwjaarsdag, Tweede Paasdag, Tweede Pinksterdag, both Kerstdagen,
// Hemelvaartsdag, Koningsdag and 5 May; lid 2 treats Goede Vrijdag the same for that law, and a
// decree every three years adds bridge days (not modelled here). Whether employees have the day
// off is set by each CAO; in practice all of them are days off except Goede Vrijdag (off in some
// sectors only) and Bevrijdingsdag (off in most CAOs, and for the government, only every fifth
// year: 2025, 2030, …). Eerste Paasdag and Eerste Pinksterdag are Sundays.

export type DutchHoliday = {
  readonly date: CalendarDate
  readonly name: string
  /** Whether most employers close; false for Goede Vrijdag and Bevrijdingsdag outside lustra. */
  readonly generallyDayOff: boolean
}

/** Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): CalendarDate {
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new RangeError(`Easter is computed for Gregorian years 1583–9999, not ${year}`)
  }
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const day = ((h + l - 7 * m + 114) % 31) + 1
  return `${year}-${pad(month)}-${pad(day)}`
}

/** Every Dutch public holiday of the year, in date order, with whether it is generally off. */
export function dutchPublicHolidays(year: number): DutchHoliday[] {
  const easter = easterSunday(year)
  const kingsDay = dayOfWeek(`${year}-04-27`) === 0 ? `${year}-04-26` : `${year}-04-27`
  const holidays: DutchHoliday[] = [
    { date: `${year}-01-01`, name: 'Nieuwjaarsdag', generallyDayOff: true },
    { date: addDays(easter, -2), name: 'Goede Vrijdag', generallyDayOff: false },
    { date: easter, name: 'Eerste Paasdag', generallyDayOff: true },
    { date: addDays(easter, 1), name: 'Tweede Paasdag', generallyDayOff: true },
    { date: kingsDay, name: 'Koningsdag', generallyDayOff: true },
    { date: `${year}-05-05`, name: 'Bevrijdingsdag', generallyDayOff: year % 5 === 0 },
    { date: addDays(easter, 39), name: 'Hemelvaartsdag', generallyDayOff: true },
    { date: addDays(easter, 49), name: 'Eerste Pinksterdag', generallyDayOff: true },
    { date: addDays(easter, 50), name: 'Tweede Pinksterdag', generallyDayOff: true },
    { date: `${year}-12-25`, name: 'Eerste Kerstdag', generallyDayOff: true },
    { date: `${year}-12-26`, name: 'Tweede Kerstdag', generallyDayOff: true },
  ]
  return holidays.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0))
}

/**
 * The Dutch holidays that are days off in the given years: those generally off, plus
 * Goede Vrijdag when goodFriday is set, and Bevrijdingsdag every year when liberationDay is
 * 'every-year' rather than 'lustrum' (the default). Both set: the Algemene termijnenwet's days
 * (without its bridge days).
 */
export function dutchHolidayDates(
  years: Iterable<number>,
  options: { goodFriday?: boolean; liberationDay?: 'lustrum' | 'every-year' } = {},
): CalendarDate[] {
  const dates: CalendarDate[] = []
  for (const year of years) {
    for (const holiday of dutchPublicHolidays(year)) {
      const off =
        holiday.generallyDayOff ||
        (holiday.name === 'Goede Vrijdag' && options.goodFriday === true) ||
        (holiday.name === 'Bevrijdingsdag' && options.liberationDay === 'every-year')
      if (off) dates.push(holiday.date)
    }
  }
  return dates
}

function pad(value: number): string {
  return String(value).padStart(2, '0')
}
