import { addDays, type CalendarDate } from '../../../core/dates.js'

// The schedules self-service may offer: pure arithmetic on the open total, so that a property
// test can hold it to the cent.

export type ScheduledInstalment = { dueOn: CalendarDate; amountMinor: bigint }

/** The first instalment of an offered plan falls due this many days after the offer. */
export const firstInstalmentAfterDays = 14

/**
 * totalMinor in `count` instalments to the cent: every instalment the total divided by the
 * count, the first (total mod count) instalments one cent more. Sums to the total exactly.
 */
export function splitInstalments(totalMinor: bigint, count: number): bigint[] {
  if (count < 1 || totalMinor < 0n) throw new RangeError('count ≥ 1 and total ≥ 0 required')
  const n = BigInt(count)
  const base = totalMinor / n
  const remainder = Number(totalMinor % n)
  return Array.from({ length: count }, (_, k) => (k < remainder ? base + 1n : base))
}

/**
 * The same day of the month, `months` later; the month's last day when it has no such day
 * (31 January + 1 month is 28 or 29 February).
 */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const [y, m, d] = date.split('-').map(Number)
  const monthIndex = m - 1 + months
  const year = y + Math.floor(monthIndex / 12)
  const month = ((monthIndex % 12) + 12) % 12
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  const day = Math.min(d, lastDay)
  return `${year}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/**
 * For 2 … maxInstalments monthly instalments, those whose smallest instalment is at least
 * minInstalmentMinor: the first due firstInstalmentAfterDays after asOf, then monthly.
 */
export function offeredSchedules(
  totalMinor: bigint,
  asOf: CalendarDate,
  limits: { maxInstalments: number; minInstalmentMinor: bigint },
): ScheduledInstalment[][] {
  const first = addDays(asOf, firstInstalmentAfterDays)
  const offers: ScheduledInstalment[][] = []
  for (let count = 2; count <= limits.maxInstalments; count++) {
    const amounts = splitInstalments(totalMinor, count)
    // The last instalments are the smallest (the remainder goes to the first).
    if (amounts[count - 1] < limits.minInstalmentMinor || amounts[count - 1] <= 0n) break
    offers.push(amounts.map((amountMinor, k) => ({ dueOn: addMonths(first, k), amountMinor })))
  }
  return offers
}
