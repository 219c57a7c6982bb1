import { dutchHolidayDates, isBusinessDay, nextBusinessDay } from '../../core/business-calendar.js'
import { addDays, type CalendarDate, calendarDateAt } from '../../core/dates.js'

// When a schedule runs next: pure functions of its cadence, an instant and the tenant's time
// zone. A cadence names a local wall-clock time ("06:00 in Europe/Amsterdam"), so a run stays
// at 06:00 through daylight-saving changes; the instant in UTC is worked out per date.

export const cadences = ['daily', 'weekly', 'monthly'] as const
export type CadenceKind = (typeof cadences)[number]

export type Cadence = {
  cadence: CadenceKind
  /** weekly: ISO day of the week, 1 = Monday … 7 = Sunday. */
  dayOfWeek: number | null
  /** monthly: day of the month, 1 … 28 (every month has it). */
  dayOfMonth: number | null
  /**
   * monthly: the first business day on or after dayOfMonth; daily: business days only.
   * Weekends and the Dutch public holidays that are generally days off are not business days.
   */
  businessDay: boolean
  /** Local time of day, 'HH:MM' or 'HH:MM:SS'. */
  timeOfDay: string
}

// A cadence always finds a date within this many days (a month and its holidays fit easily);
// the bound keeps a wrong cadence from looping for ever.
const searchDaysMax = 400

/** The first instant after `after` at which the cadence runs, in the given time zone. */
export function nextRunAfter(cadence: Cadence, after: Date, timeZone: string): Date {
  const start = calendarDateAt(after, timeZone)
  for (let offset = 0; offset <= searchDaysMax; offset++) {
    const date = addDays(start, offset)
    if (!runsOn(cadence, date)) continue
    const at = localInstant(date, cadence.timeOfDay, timeZone)
    if (at.getTime() > after.getTime()) return at
  }
  throw new RangeError(`No run of the ${cadence.cadence} cadence within ${searchDaysMax} days`)
}

/** Whether the cadence runs on a calendar date (at its time of day). */
export function runsOn(cadence: Cadence, date: CalendarDate): boolean {
  switch (cadence.cadence) {
    case 'daily':
      return !cadence.businessDay || isBusinessDay(date, calendarFor(date))
    case 'weekly':
      return isoDayOfWeek(date) === cadence.dayOfWeek
    case 'monthly': {
      const day = `${date.slice(0, 8)}${String(cadence.dayOfMonth).padStart(2, '0')}`
      if (!cadence.businessDay) return date === day
      return date === nextBusinessDay(day, calendarFor(day))
    }
  }
}

/** ISO day of the week: 1 = Monday … 7 = Sunday. */
export function isoDayOfWeek(date: CalendarDate): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay()
  return day === 0 ? 7 : day
}

/** The instant a local date and wall-clock time name in a time zone. */
export function localInstant(date: CalendarDate, timeOfDay: string, timeZone: string): Date {
  const [hours, minutes, seconds = '0'] = timeOfDay.split(':')
  const wall = Date.parse(
    `${date}T${hours.padStart(2, '0')}:${minutes.padStart(2, '0')}:${seconds.padStart(2, '0')}Z`,
  )
  // The zone's offset at the wall time read as UTC, then again at the first guess: twice is
  // enough across a daylight-saving change (a time that does not exist moves an hour on).
  let guess = wall - offsetMs(new Date(wall), timeZone)
  guess = wall - offsetMs(new Date(guess), timeZone)
  return new Date(guess)
}

function offsetMs(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant)
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const asUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  )
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000
}

function calendarFor(date: CalendarDate) {
  const year = Number(date.slice(0, 4))
  return {
    weekendDays: new Set([0, 6]),
    holidays: new Set(dutchHolidayDates([year - 1, year, year + 1])),
  }
}
