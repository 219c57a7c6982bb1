import { addDays, type CalendarDate, daysBetween, isCalendarDate } from '../../../core/dates.js'
import { type Decimal, divideRounded, formatDecimal } from '../../../core/money.js'
import { type StatutoryRate, type StatutoryRateKind, statutoryRates } from './data-files.js'

// Dutch statutory interest: wettelijke rente (art. 6:119 BW, everything that is not a
// commercial transaction, consumers included) and wettelijke handelsrente (art. 6:119a BW
// between businesses; 6:119b with a public body as debtor, at the 6:119a rate). Rates come from
// data/nl-statutory-interest.csv, one row per half year. Reference: nl-collections.md §2.
//
// How it is computed (decision 0007 says why where the law is silent):
// - The interest runs over whole days, from the first day given to the last, both inclusive.
// - The days are split into periods at every rate change and at every anniversary of the
//   first day; each period earns principal × rate × days / 365, rounded once to the cent,
//   half away from zero. Days/365 also in leap years: the common Dutch convention (§2.2).
// - At the end of each year counted from the first day, that year's interest is added to
//   the principal (art. 6:119 lid 2 BW, "telkens na afloop van een jaar"; 6:119a by reference).

/** Which statutory interest a claim carries. */
export type InterestKind =
  /** Art. 6:119 BW: consumers and every claim that is not a commercial transaction. */
  | 'statutory'
  /** Art. 6:119a BW: commercial transactions between businesses. */
  | 'commercial'
  /** Art. 6:119b BW: commercial transactions with a public body as debtor (the 6:119a rate). */
  | 'commercial_public_debtor'

const rateKindOf: Record<InterestKind, StatutoryRateKind> = {
  statutory: 'consumer_6_119',
  commercial: 'commercial_6_119a',
  commercial_public_debtor: 'commercial_6_119a',
}

/** Days/365 in every year, leap years too (nl-collections.md §2.2). */
export const dayCountDivisor = 365n

/** One line of the breakdown, as a statement or letter shows it. */
export type InterestPeriod = {
  /** First day of the period (inclusive). */
  readonly from: CalendarDate
  /** Last day of the period (inclusive). */
  readonly to: CalendarDate
  readonly days: number
  /** The yearly rate, e.g. "12.25". */
  readonly ratePercent: string
  /** The principal the period earns on: the claim plus interest added at past anniversaries. */
  readonly principalMinor: bigint
  readonly interestMinor: bigint
}

/** Interest added to the principal at the end of a year (art. 6:119 lid 2 BW). */
export type InterestCapitalisation = {
  /** The first day of the new year of interest, which earns on the raised principal. */
  readonly on: CalendarDate
  readonly addedMinor: bigint
}

export type StatutoryInterest = {
  readonly kind: InterestKind
  readonly principalMinor: bigint
  readonly from: CalendarDate
  readonly through: CalendarDate
  /** The sum of the periods' interest. */
  readonly interestMinor: bigint
  readonly periods: InterestPeriod[]
  readonly capitalisations: InterestCapitalisation[]
}

/**
 * The first day of commercial interest: the day after the agreed payment date (it runs without
 * notice, art. 6:119a BW). For a consumer the interest runs from the default (verzuim), which
 * the caller establishes: normally the day after the term of a notice of default, or after a
 * firm (fatal) due date.
 */
export function firstInterestDay(dueDate: CalendarDate): CalendarDate {
  checkDate(dueDate, 'dueDate')
  return addDays(dueDate, 1)
}

/**
 * Statutory interest on a principal (euro cents) for the days from `from` through `through`,
 * both inclusive, with a breakdown per period. `through` the day before `from` is zero days.
 * Throws a RangeError when a day has no rate in the table (before 2015 or after its last row):
 * a dunning run checks statutoryRateCoverage first and refuses with an error a user can act on.
 *
 *   statutoryInterest({ kind: 'commercial', principalMinor: 100_000n,
 *                       from: '2025-01-01', through: '2025-12-31' })
 *   // 181 days at 11.15% and 184 days at 10.15%: 5_529n + 5_117n = 10_646n (€106.46)
 */
export function statutoryInterest(input: {
  kind: InterestKind
  principalMinor: bigint
  from: CalendarDate
  through: CalendarDate
  rates?: readonly StatutoryRate[]
}): StatutoryInterest {
  const { kind, principalMinor, from, through } = input
  checkDate(from, 'from')
  checkDate(through, 'through')
  if (principalMinor < 0n) throw new RangeError(`A principal cannot be negative: ${principalMinor}`)
  if (through < addDays(from, -1)) {
    throw new RangeError(`Interest through ${through} ends before it starts on ${from}`)
  }
  const rates = ratesOfKind(input.rates ?? statutoryRates(), kind)
  const periods: InterestPeriod[] = []
  const capitalisations: InterestCapitalisation[] = []
  let principal = principalMinor
  let yearInterest = 0n
  let yearsDone = 1
  let anniversary = addYears(from, yearsDone)
  let day = from
  while (day <= through) {
    const rate = rateOn(rates, day, kind)
    const yearLastDay = addDays(anniversary, -1)
    const to = minDate(rate.periodEnd, yearLastDay, through)
    const days = daysBetween(day, to) + 1
    const interestMinor = periodInterest(principal, rate.ratePercent, days)
    periods.push({
      from: day,
      to,
      days,
      ratePercent: formatDecimal(rate.ratePercent, 2),
      principalMinor: principal,
      interestMinor,
    })
    yearInterest += interestMinor
    day = addDays(to, 1)
    if (day === anniversary && day <= through) {
      if (yearInterest > 0n) {
        capitalisations.push({ on: anniversary, addedMinor: yearInterest })
        principal += yearInterest
      }
      yearInterest = 0n
      yearsDone += 1
      anniversary = addYears(from, yearsDone)
    }
  }
  const interestMinor = periods.reduce((sum, p) => sum + p.interestMinor, 0n)
  return { kind, principalMinor, from, through, interestMinor, periods, capitalisations }
}

/**
 * Interest on an overdue item as of a day: from the day after the due date through asOf (the
 * commercial rule; a consumer's default date is passed as the due date). Zero on or before the
 * due date.
 */
export function interestAfterDueDate(input: {
  kind: InterestKind
  principalMinor: bigint
  dueDate: CalendarDate
  asOf: CalendarDate
  rates?: readonly StatutoryRate[]
}): StatutoryInterest {
  const from = firstInterestDay(input.dueDate)
  checkDate(input.asOf, 'asOf')
  // Before the due date nothing is late yet: zero days, not an error.
  const through = [input.asOf, input.dueDate].sort()[1]
  return statutoryInterest({ ...input, from, through })
}

/** principal × rate% × days / 365, rounded once to the cent, half away from zero. */
export function periodInterest(principalMinor: bigint, ratePercent: Decimal, days: number): bigint {
  return divideRounded(
    principalMinor * ratePercent.units * BigInt(days),
    100n * 10n ** BigInt(ratePercent.scale) * dayCountDivisor,
  )
}

/** The yearly rate of a kind on a day, or a RangeError naming the table's coverage. */
export function statutoryRateOn(
  kind: InterestKind,
  day: CalendarDate,
  rates: readonly StatutoryRate[] = statutoryRates(),
): StatutoryRate {
  checkDate(day, 'day')
  return rateOn(ratesOfKind(rates, kind), day, kind)
}

/** The first and last day the rate table covers for a kind. */
export function statutoryRateCoverage(
  kind: InterestKind,
  rates: readonly StatutoryRate[] = statutoryRates(),
): { from: CalendarDate; through: CalendarDate } {
  const ofKind = ratesOfKind(rates, kind)
  if (ofKind.length === 0) throw new RangeError(`The rate table has no ${rateKindOf[kind]} rates`)
  return { from: ofKind[0].periodStart, through: ofKind[ofKind.length - 1].periodEnd }
}

// A dunning run computes interest for many items on one table: split it by kind once.
const ratesByKind = new WeakMap<readonly StatutoryRate[], Map<StatutoryRateKind, StatutoryRate[]>>()

function ratesOfKind(rates: readonly StatutoryRate[], kind: InterestKind): StatutoryRate[] {
  let byKind = ratesByKind.get(rates)
  if (!byKind) {
    byKind = new Map()
    ratesByKind.set(rates, byKind)
  }
  const rateKind = rateKindOf[kind]
  let ofKind = byKind.get(rateKind)
  if (!ofKind) {
    ofKind = rates.filter((r) => r.kind === rateKind)
    byKind.set(rateKind, ofKind)
  }
  return ofKind
}

function rateOn(rates: readonly StatutoryRate[], day: CalendarDate, kind: InterestKind) {
  const rate = rates.find((r) => r.periodStart <= day && day <= r.periodEnd)
  if (!rate) {
    const known = rates.length
      ? ` (it covers ${rates[0].periodStart} to ${rates.at(-1)?.periodEnd})`
      : ''
    throw new RangeError(
      `No ${rateKindOf[kind]} rate for ${day} in data/nl-statutory-interest.csv${known}`,
    )
  }
  return rate
}

/**
 * The same day `years` later; 29 February becomes 1 March in a year without it (the later
 * day, so a year of interest is never cut short against the debtor).
 */
export function addYears(date: CalendarDate, years: number): CalendarDate {
  const parsed = new Date(`${date}T00:00:00Z`)
  parsed.setUTCFullYear(parsed.getUTCFullYear() + years)
  return parsed.toISOString().slice(0, 10)
}

function minDate(...dates: CalendarDate[]): CalendarDate {
  return [...dates].sort()[0]
}

function checkDate(date: CalendarDate, field: string): void {
  if (!isCalendarDate(date)) throw new RangeError(`${field} is not a calendar date: '${date}'`)
}
