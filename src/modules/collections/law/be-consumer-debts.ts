import { addBusinessDays, businessCalendar, easterSunday } from '../../../core/business-calendar.js'
import { addDays, type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { divideRounded } from '../../../core/money.js'

// Belgium, consumer debts: Book XIX "Schulden van de consument" of the Code of Economic Law
// (WER), inserted by the Act of 4 May 2023, in force 1 September 2023 (nl-collections.md §4.1).
// Built so far: the cap on the flat compensation and the waiting period after the free first
// reminder. Not built: the reminder's content check, Belgian B2B (Act of 2 August 2002) and
// the interest cap. Belgium is therefore not yet in jurisdictions.ts: a dunning run must not
// add Belgian costs on these functions alone.

/** Reminders after the free first one cost at most €7.50 each, plus postage. */
export const belgianFurtherReminderCostMaxMinor = 750n

/** The compensation can never exceed €2,000. */
export const belgianCompensationCeilingMinor = 200_000n

/**
 * The most a creditor may claim as flat compensation on an outstanding balance (euro cents):
 * ≤ €150: €20; €150.01–€500: €30 + 10% of the part above €150; above €500: €65 + 5% of the
 * part above €500, at most €2,000. The first two tiers are confirmed by two sources; the third
 * rests on one truncated source and must be verified before use (nl-collections.md §4.1).
 * Percentages rounded to the cent, half away from zero, as for the Dutch scale.
 */
export function belgianCompensationMaxMinor(balanceMinor: bigint): bigint {
  if (balanceMinor < 0n) throw new RangeError(`A balance cannot be negative: ${balanceMinor}`)
  if (balanceMinor === 0n) return 0n
  if (balanceMinor <= 15_000n) return 2_000n
  if (balanceMinor <= 50_000n) return 3_000n + divideRounded((balanceMinor - 15_000n) * 10n, 100n)
  const third = 6_500n + divideRounded((balanceMinor - 50_000n) * 5n, 100n)
  return third > belgianCompensationCeilingMinor ? belgianCompensationCeilingMinor : third
}

/** The waiting period lasts at least 14 calendar days. */
export const belgianWaitingDays = 14

export type BelgianWaitingPeriod = {
  /** The first day of the 14. */
  readonly startsOn: CalendarDate
  /** The last day of the 14. */
  readonly endsOn: CalendarDate
  /** The first day costs, compensation or interest may be claimed if still unpaid. */
  readonly costsChargeableFrom: CalendarDate
}

/**
 * The waiting period after the free first reminder: from the day after sending when sent
 * electronically, from the third working day after sending otherwise (post). Working days are
 * read as Monday to Friday without Belgian public holidays: the reference does not say whether
 * Saturday counts, and leaving it out can only make the start later.
 */
export function belgianWaitingPeriod(input: {
  sentOn: CalendarDate
  channel: 'electronic' | 'post'
}): BelgianWaitingPeriod {
  if (!isCalendarDate(input.sentOn)) throw new RangeError(`sentOn is not a date: ${input.sentOn}`)
  const year = Number(input.sentOn.slice(0, 4))
  const calendar = businessCalendar({
    holidays: [...belgianPublicHolidays(year), ...belgianPublicHolidays(year + 1)],
  })
  const startsOn =
    input.channel === 'electronic'
      ? addDays(input.sentOn, 1)
      : addBusinessDays(input.sentOn, 3, calendar)
  const endsOn = addDays(startsOn, belgianWaitingDays - 1)
  return { startsOn, endsOn, costsChargeableFrom: addDays(endsOn, 1) }
}

/** The ten Belgian legal public holidays of a year. */
export function belgianPublicHolidays(year: number): CalendarDate[] {
  const easter = easterSunday(year)
  return [
    `${year}-01-01`, // Nieuwjaar
    addDays(easter, 1), // Paasmaandag
    `${year}-05-01`, // Dag van de Arbeid
    addDays(easter, 39), // Onze-Lieve-Heer-Hemelvaart
    addDays(easter, 50), // Pinkstermaandag
    `${year}-07-21`, // Nationale feestdag
    `${year}-08-15`, // Onze-Lieve-Vrouw-Hemelvaart
    `${year}-11-01`, // Allerheiligen
    `${year}-11-11`, // Wapenstilstand
    `${year}-12-25`, // Kerstmis
  ].sort()
}
