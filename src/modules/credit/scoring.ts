import { daysBetween } from '../../core/dates.js'
import { currencyExponent } from '../../core/money.js'
import { amountText } from './amount-text.js'
import type { RiskClass } from './tables.js'

// The internal score and the suggestion built on it. Pure functions: the same facts always
// give the same score, class, limit and reasons. The formula is documented in README.md.
//
// internal score = 100 − penalties (each capped), rounded to a whole number, 0–100:
//   late share      40 × invoices paid late / invoices paid
//   lateness        25 × min(average days late, 60) / 60       (when any were paid late)
//   overdue         15 × min(open overdue / credit limit, 1)   (15 when overdue and no limit)
//   disputes        3 per dispute, at most 10
//   broken promises 5 per broken promise to pay, at most 10

export type BehaviourFacts = {
  asOf: string
  invoicesPaidCount: number
  invoicesPaidLateCount: number
  averageDaysLate: number
  openOverdueMinor: bigint
  currency: string
  disputesCount: number
  brokenPromisesCount: number
}

export type ReportFacts = {
  id: string
  bureau: string
  rating: string | null
  score: number | null
  paymentIndex: number | null
  recommendedLimitMinor: bigint | null
  currency: string
  reportDate: string
}

export const scoreWeights = {
  lateShare: 40,
  lateness: 25,
  latenessDaysCap: 60,
  overdue: 15,
  perDispute: 3,
  disputesCap: 10,
  perBrokenPromise: 5,
  brokenPromisesCap: 10,
} as const

/** Lowest score (or payment index) of each class; below D's is E. */
export const classFloors: readonly [RiskClass, number][] = [
  ['A', 85],
  ['B', 70],
  ['C', 50],
  ['D', 30],
]

/** Share of the base (recommended or current) limit suggested per class, in percent. */
export const limitPercentByClass: Record<RiskClass, bigint> = {
  A: 100n,
  B: 100n,
  C: 75n,
  D: 50n,
  E: 0n,
}

// A bureau report older than this is shown with a warning: order a new one.
const reportAgeDaysMax = 365

/** The internal score 0–100 from payment behaviour; `limitMinor` in the behaviour's currency. */
export function internalScore(b: BehaviourFacts, limitMinor: bigint | null): number {
  const w = scoreWeights
  const lateShare =
    b.invoicesPaidCount === 0 ? 0 : (w.lateShare * b.invoicesPaidLateCount) / b.invoicesPaidCount
  const lateness =
    b.invoicesPaidLateCount === 0
      ? 0
      : (w.lateness * Math.min(b.averageDaysLate, w.latenessDaysCap)) / w.latenessDaysCap
  const overdue = (w.overdue * overduePermille(b.openOverdueMinor, limitMinor)) / 1000
  const disputes = Math.min(w.perDispute * b.disputesCount, w.disputesCap)
  const brokenPromises = Math.min(w.perBrokenPromise * b.brokenPromisesCount, w.brokenPromisesCap)
  const penalty = lateShare + lateness + overdue + disputes + brokenPromises
  return Math.min(100, Math.max(0, Math.round(100 - penalty)))
}

/** Open overdue as a share of the limit in thousandths, capped at 1000 (computed exactly). */
function overduePermille(overdueMinor: bigint, limitMinor: bigint | null): number {
  if (overdueMinor <= 0n) return 0
  if (limitMinor === null || limitMinor <= 0n) return 1000
  const permille = (overdueMinor * 1000n) / limitMinor
  return Number(permille > 1000n ? 1000n : permille)
}

export function classOfScore(score: number): RiskClass {
  for (const [riskClass, floor] of classFloors) if (score >= floor) return riskClass
  return 'E'
}

/** The bureau's view as a class: its rating when it is a letter A–E (AAA → A), else its payment index. */
export function classOfReport(report: ReportFacts): RiskClass | null {
  const letter = report.rating?.trim().charAt(0).toUpperCase()
  if (letter && 'ABCDE'.includes(letter)) return letter as RiskClass
  if (report.paymentIndex !== null) return classOfScore(report.paymentIndex)
  return null
}

function worse(a: RiskClass, b: RiskClass): RiskClass {
  return a > b ? a : b
}

export type Assessment = {
  internalScore: number | null
  internalClass: RiskClass | null
  bureauClass: RiskClass | null
  suggestedClass: RiskClass | null
  suggestedLimitMinor: bigint | null
  reasons: string[]
}

export type AssessmentFacts = {
  /** The currency of the customer's credit profile. */
  currency: string
  currentLimitMinor: bigint | null
  behaviour: BehaviourFacts | undefined
  report: ReportFacts | undefined
  today: string
}

/**
 * Combines payment behaviour and the latest bureau report into a suggested class (the worse
 * of the two when both speak) and a suggested limit (a share of the bureau's recommendation,
 * or of the current limit without one), with the reasons as lines an analyst reads.
 */
export function assessCredit(facts: AssessmentFacts): Assessment {
  const reasons: string[] = []
  const { behaviour, report, currency } = facts

  let score: number | null = null
  let internalClass: RiskClass | null = null
  if (!behaviour) {
    reasons.push('No payment history yet')
  } else {
    reasons.push(...behaviourLines(behaviour))
    const limit = behaviour.currency === currency ? facts.currentLimitMinor : null
    score = internalScore(behaviour, limit)
    internalClass = classOfScore(score)
    reasons.push(`Internal score ${score} of 100: class ${internalClass}`)
  }

  let bureauClass: RiskClass | null = null
  if (!report) {
    reasons.push('No bureau report on file')
  } else {
    reasons.push(reportLine(report))
    bureauClass = classOfReport(report)
    const age = daysBetween(report.reportDate, facts.today)
    if (age > reportAgeDaysMax) {
      reasons.push(`The ${report.bureau} report of ${report.reportDate} is more than a year old`)
    }
  }

  const suggestedClass =
    internalClass && bureauClass
      ? worse(internalClass, bureauClass)
      : (internalClass ?? bureauClass)
  if (suggestedClass === null) {
    reasons.push('Not enough to suggest a class: no payment history and no bureau rating')
  } else if (internalClass && bureauClass) {
    reasons.push(
      internalClass === bureauClass
        ? `Suggested class ${suggestedClass}: payment behaviour and bureau agree`
        : `Suggested class ${suggestedClass}: the worse of internal ${internalClass} and bureau ${bureauClass}`,
    )
  } else {
    reasons.push(
      `Suggested class ${suggestedClass} from ${internalClass ? 'payment behaviour' : 'the bureau report'} alone`,
    )
  }

  const suggestedLimitMinor = suggestLimit(facts, suggestedClass, reasons)
  return {
    internalScore: score,
    internalClass,
    bureauClass,
    suggestedClass,
    suggestedLimitMinor,
    reasons,
  }
}

function behaviourLines(b: BehaviourFacts): string[] {
  const lines: string[] = []
  if (b.invoicesPaidCount === 0) lines.push('No invoices paid yet')
  else if (b.invoicesPaidLateCount === 0) {
    lines.push(`Paid all ${b.invoicesPaidCount} invoices on time`)
  } else {
    const percent = Math.round((100 * b.invoicesPaidLateCount) / b.invoicesPaidCount)
    lines.push(`Paid ${percent}% of invoices late (avg ${b.averageDaysLate} days)`)
  }
  lines.push(
    b.openOverdueMinor > 0n
      ? `${amountText(b.openOverdueMinor, b.currency)} overdue`
      : 'Nothing overdue',
  )
  if (b.disputesCount > 0) {
    lines.push(`${b.disputesCount} dispute${b.disputesCount === 1 ? '' : 's'}`)
  }
  if (b.brokenPromisesCount > 0) {
    lines.push(
      `${b.brokenPromisesCount} broken promise${b.brokenPromisesCount === 1 ? '' : 's'} to pay`,
    )
  }
  return lines
}

function reportLine(r: ReportFacts): string {
  const parts: string[] = []
  if (r.rating) parts.push(`rates ${r.rating}`)
  if (r.score !== null) parts.push(`scores ${r.score}`)
  if (r.paymentIndex !== null) parts.push(`payment index ${r.paymentIndex}`)
  if (r.recommendedLimitMinor !== null) {
    parts.push(`recommends ${amountText(r.recommendedLimitMinor, r.currency)}`)
  }
  return `Bureau ${r.bureau} ${parts.length > 0 ? parts.join(', ') : 'gives no figures'}`
}

function suggestLimit(
  facts: AssessmentFacts,
  suggestedClass: RiskClass | null,
  reasons: string[],
): bigint | null {
  if (suggestedClass === null) return null
  const recommended =
    facts.report?.recommendedLimitMinor !== null &&
    facts.report?.recommendedLimitMinor !== undefined &&
    facts.report.currency === facts.currency
      ? facts.report.recommendedLimitMinor
      : null
  const base = recommended ?? facts.currentLimitMinor
  if (base === null) {
    reasons.push('No suggested limit: no bureau recommendation and no current limit to start from')
    return null
  }
  const percent = limitPercentByClass[suggestedClass]
  const unit = 10n ** BigInt(currencyExponent(facts.currency))
  // Limits are whole amounts: round down to the currency's major unit.
  const suggested = ((base * percent) / 100n / unit) * unit
  const from = recommended !== null ? "the bureau's" : 'the current'
  reasons.push(
    `Suggested limit ${amountText(suggested, facts.currency)}: ${percent}% of ${from} ` +
      `${amountText(base, facts.currency)} for class ${suggestedClass}`,
  )
  return suggested
}
