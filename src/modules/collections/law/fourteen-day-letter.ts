import {
  addBusinessDays,
  type BusinessCalendar,
  businessCalendar,
  dutchHolidayDates,
  nextBusinessDay,
} from '../../../core/business-calendar.js'
import { addDays, type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { formatAmount } from '../../../core/money.js'
import {
  type CollectionCosts,
  type CollectionVatPosition,
  consumerCollectionCosts,
  noVatOnCosts,
} from './collection-costs.js'

// The Dutch 14-day letter (veertiendagenbrief, art. 6:96 lid 6 BW): a consumer owes collection
// costs only when, after the default began, they received a reminder that demands payment
// within 14 days starting the day after receipt, states the consequences of not paying
// including the computed amount of the costs, and they did not pay within that term.
// Reference: ../shared/reference/nl-collections.md §1.4 (HR 25-11-2016, HR 13-06-2014).

/** The statutory term: 14 days, starting the day after the debtor received the letter. */
export const letterTermDays = 14

/**
 * Days on which post is not presumed delivered: HR 25-11-2016 lets courts assume delivery on
 * the second day after sending, not counting Sundays, Mondays or public holidays. Holidays are
 * those of the Algemene termijnenwet (with Goede Vrijdag and every 5 May): the widest set, so
 * the presumed receipt is never earlier than a court would take.
 */
function postalCalendar(year: number): BusinessCalendar {
  return cached(postalCalendars, year, () =>
    businessCalendar({ weekendDays: [0, 1], holidays: termenwetHolidays(year) }),
  )
}

/**
 * Algemene termijnenwet art. 1: a statutory term that ends on a Saturday, Sunday or general
 * holiday runs on to the next day that is none of those. The reference does not mention it;
 * we apply it because it only ever makes the charging date later (decision 0007).
 */
function termCalendar(year: number): BusinessCalendar {
  return cached(termCalendars, year, () =>
    businessCalendar({ weekendDays: [0, 6], holidays: termenwetHolidays(year) }),
  )
}

// The holidays of a date's year and the next, so a term across New Year sees both. Calendars
// are kept per year: a dunning run asks for thousands of letters.
function termenwetHolidays(year: number) {
  return dutchHolidayDates([year, year + 1], { goodFriday: true, liberationDay: 'every-year' })
}

const postalCalendars = new Map<number, BusinessCalendar>()
const termCalendars = new Map<number, BusinessCalendar>()

function cached(
  calendars: Map<number, BusinessCalendar>,
  year: number,
  make: () => BusinessCalendar,
): BusinessCalendar {
  let calendar = calendars.get(year)
  if (!calendar) {
    calendar = make()
    calendars.set(year, calendar)
  }
  return calendar
}

function yearOf(date: CalendarDate): number {
  return Number(date.slice(0, 4))
}

/** The day a letter sent by post is presumed received: the 2nd day after sending, not
 * counting Sundays, Mondays and public holidays (HR 25-11-2016). Sent Thursday → Saturday;
 * sent Friday → Tuesday. */
export function presumedReceiptDate(sentOn: CalendarDate): CalendarDate {
  checkDate(sentOn, 'sentOn')
  return addBusinessDays(sentOn, 2, postalCalendar(yearOf(sentOn)))
}

export type LetterDelivery = {
  /** The day after which payment is late: the invoice's due date. */
  readonly dueDate: CalendarDate
  readonly sentOn: CalendarDate
  /** The day the debtor received it, when the creditor can prove it; else it is presumed. */
  readonly receivedOn?: CalendarDate
  /** Extra days a policy adds before charging, beyond the law's own term (default 0). */
  readonly marginDays?: number
}

export type LetterTerm = {
  /** The day the debtor received the letter, proven or presumed. */
  readonly receivedOn: CalendarDate
  readonly receiptPresumed: boolean
  /** The last of the 14 days (receipt + 14), moved past a weekend or holiday by the Atw. */
  readonly termEndsOn: CalendarDate
  /** The first day on which the costs may be charged, if the debtor has not paid by then. */
  readonly costsChargeableFrom: CalendarDate
}

/**
 * The term a 14-day letter starts and the earliest day costs may be charged: receipt + 1 + 14
 * days (nl-collections.md §1.4), the term's end moved to a working day, plus the policy's
 * margin. Refuses a letter sent on or before the due date: the debtor was not yet in default.
 *
 *   letterTerm({ dueDate: '2026-03-01', sentOn: '2026-03-05' })
 *   // Thursday → received Saturday 03-07; term 03-08 … 03-21 (a Saturday) → runs to Monday
 *   // 03-23; costs chargeable from Tuesday 2026-03-24
 */
export function letterTerm(delivery: LetterDelivery): LetterTerm {
  const { dueDate, sentOn } = delivery
  checkDate(dueDate, 'dueDate')
  checkDate(sentOn, 'sentOn')
  if (sentOn <= dueDate) {
    throw new RangeError(`A 14-day letter sent on ${sentOn} precedes the default (due ${dueDate})`)
  }
  const marginDays = delivery.marginDays ?? 0
  if (!Number.isSafeInteger(marginDays) || marginDays < 0) {
    throw new RangeError(`marginDays must be a whole number of days, 0 or more: ${marginDays}`)
  }
  let receivedOn = delivery.receivedOn
  if (receivedOn !== undefined) {
    checkDate(receivedOn, 'receivedOn')
    if (receivedOn < sentOn) throw new RangeError(`Received ${receivedOn} before sent ${sentOn}`)
  }
  const receiptPresumed = receivedOn === undefined
  receivedOn ??= presumedReceiptDate(sentOn)
  const lastDay = addDays(receivedOn, letterTermDays)
  const termEndsOn = nextBusinessDay(lastDay, termCalendar(yearOf(lastDay)))
  const costsChargeableFrom = addDays(termEndsOn, 1 + marginDays)
  return { receivedOn, receiptPresumed, termEndsOn, costsChargeableFrom }
}

/** True from the day the costs may be charged; a consumer who paid in the term owes none. */
export function mayChargeConsumerCosts(term: LetterTerm, on: CalendarDate): boolean {
  return on >= term.costsChargeableFrom
}

/**
 * The amount a 14-day letter must name: the statutory costs on the principal it pursues
 * (summed over the invoices of the letter), plus VAT where art. 2 lid 3 Besluit allows it.
 * Naming the computed amount is required; a reference to the scale is not enough.
 */
export function costsToNameInLetter(
  principalMinor: bigint,
  vat: CollectionVatPosition = noVatOnCosts,
): CollectionCosts {
  return consumerCollectionCosts(principalMinor, vat)
}

/** The payment term as the letter words it. */
export type LetterPaymentTerm =
  /** "within N days from the day after this letter is delivered to you" (HR wording at 14). */
  | { readonly daysAfterReceipt: number }
  /** A concrete last day to pay. A term counted from the letter date is this too. */
  | { readonly payBy: CalendarDate }

/** What a 14-day letter to a consumer says, as the dunning run is about to send it. */
export type FourteenDayLetter = LetterDelivery & {
  readonly paymentTerm: LetterPaymentTerm
  /** The principal the letter pursues (summed over its invoices), euro cents. */
  readonly principalMinor: bigint
  /** The amount of collection costs the letter names, euro cents; undefined if it names none. */
  readonly collectionCostsNamedMinor: bigint | undefined
  /** The letter states the consequences of not paying in the term. */
  readonly statesConsequences: boolean
  /** Collection costs the letter itself already charges: must be none. */
  readonly costsChargedMinor: bigint
  readonly vat?: CollectionVatPosition
}

export type LetterProblemCode =
  | 'letter_before_default'
  | 'term_too_short'
  | 'costs_amount_missing'
  | 'costs_amount_too_high'
  | 'consequences_missing'
  | 'costs_charged_in_letter'

export type LetterProblem = { readonly code: LetterProblemCode; readonly message: string }

export type LetterCheck = {
  readonly acceptable: boolean
  readonly problems: LetterProblem[]
  /** The amount the letter should name. */
  readonly costsToName: CollectionCosts
  /** What the debtor may be charged after the term: the named amount, never more. */
  readonly costsChargeableMinor: bigint
  /** Undefined when the letter came before the default and starts no term at all. */
  readonly term: LetterTerm | undefined
}

/**
 * Checks a 14-day letter to a consumer against art. 6:96 lid 6 BW as the reference reads it.
 * An unacceptable letter makes no costs due, and a later letter giving "one more week" does
 * not repair it (HR 25-11-2016): the dunning run must send a new, correct 14-day letter.
 * The letter must come after the default began; this checks only that it was sent after the
 * due date, so the caller must know that the due date put the debtor in default (a firm
 * date, or an earlier notice of default).
 */
export function checkFourteenDayLetter(letter: FourteenDayLetter): LetterCheck {
  const problems: LetterProblem[] = []
  const costsToName = costsToNameInLetter(letter.principalMinor, letter.vat ?? noVatOnCosts)
  let term: LetterTerm | undefined
  if (letter.sentOn <= letter.dueDate) {
    problems.push({
      code: 'letter_before_default',
      message: `Sent on ${letter.sentOn}, not after the due date ${letter.dueDate}: the debtor was not yet in default`,
    })
  } else {
    term = letterTerm(letter)
    const lastDayAllowed = addDays(term.receivedOn, letterTermDays)
    const paymentTerm = letter.paymentTerm
    const payBy =
      'payBy' in paymentTerm
        ? paymentTerm.payBy
        : addDays(term.receivedOn, paymentTerm.daysAfterReceipt)
    if ('daysAfterReceipt' in paymentTerm && paymentTerm.daysAfterReceipt < letterTermDays) {
      problems.push({
        code: 'term_too_short',
        message: `The letter gives ${paymentTerm.daysAfterReceipt} days; the law gives 14 from the day after receipt`,
      })
    } else if (payBy < lastDayAllowed) {
      problems.push({
        code: 'term_too_short',
        message: `The letter asks payment by ${payBy}; received on ${term.receivedOn}${term.receiptPresumed ? ' (presumed)' : ''}, the debtor has until ${lastDayAllowed}`,
      })
    } else if (payBy > term.termEndsOn) {
      // A longer term than the law's is allowed; the costs (and the policy's margin) wait for it.
      term = { ...term, costsChargeableFrom: addDays(payBy, 1 + (letter.marginDays ?? 0)) }
    }
  }
  const named = letter.collectionCostsNamedMinor
  if (named === undefined) {
    problems.push({
      code: 'costs_amount_missing',
      message: `The letter must name the collection costs as an amount: ${formatAmount(costsToName.totalMinor, 'EUR')} EUR`,
    })
  } else if (named > costsToName.totalMinor) {
    problems.push({
      code: 'costs_amount_too_high',
      message: `The letter names ${formatAmount(named, 'EUR')} EUR; the statutory costs are ${formatAmount(costsToName.totalMinor, 'EUR')} EUR`,
    })
  }
  if (!letter.statesConsequences) {
    problems.push({
      code: 'consequences_missing',
      message: 'The letter must state the consequences of not paying within the term',
    })
  }
  if (letter.costsChargedMinor !== 0n) {
    problems.push({
      code: 'costs_charged_in_letter',
      message: 'The 14-day letter may announce collection costs, not charge them',
    })
  }
  // Naming less than the scale is the creditor's choice; the debtor then owes what was named.
  let costsChargeableMinor = named ?? 0n
  if (costsChargeableMinor > costsToName.totalMinor) costsChargeableMinor = costsToName.totalMinor
  return {
    acceptable: problems.length === 0,
    problems,
    costsToName,
    costsChargeableMinor: problems.length === 0 ? costsChargeableMinor : 0n,
    term,
  }
}

function checkDate(date: CalendarDate, field: string): void {
  if (!isCalendarDate(date)) throw new RangeError(`${field} is not a calendar date: '${date}'`)
}
