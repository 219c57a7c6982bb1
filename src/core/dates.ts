// Business dates are calendar dates ("2026-03-14"), never instants. Arithmetic on them is
// done in UTC so that a time zone or daylight-saving change can never move a due date.

export type CalendarDate = string

const datePattern = /^\d{4}-\d{2}-\d{2}$/

export function isCalendarDate(text: string): boolean {
  if (!datePattern.test(text)) return false
  const parsed = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  const parsed = new Date(`${date}T00:00:00Z`)
  parsed.setUTCDate(parsed.getUTCDate() + days)
  return parsed.toISOString().slice(0, 10)
}

export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  const ms = Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)
  return Math.round(ms / 86_400_000)
}

/** The calendar date of an instant in the tenant's time zone. */
export function calendarDateAt(instant: Date, timeZone: string): CalendarDate {
  let format = dayFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    })
    dayFormats.set(timeZone, format)
  }
  return format.format(instant)
}

// Making a DateTimeFormat costs far more than using one; a billing run asks per invoice.
const dayFormats = new Map<string, Intl.DateTimeFormat>()
