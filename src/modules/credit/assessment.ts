import { calendarDateAt } from '../../core/dates.js'
import type { Ctx } from '../../db/context.js'
import { latestPaymentBehaviour } from './behaviour.js'
import { getCreditProfile } from './profile.js'
import { latestCreditReport } from './reports.js'
import { type Assessment, assessCredit } from './scoring.js'
import type { RiskClass } from './tables.js'

export type CreditAssessment = Assessment & {
  customerId: string
  currency: string
  currentLimitMinor: bigint | null
  currentRiskClass: RiskClass | null
  /** What it was based on, to keep as "seen" with a decision. */
  behaviourAsOf: string | null
  reportId: string | null
  assessedAt: Date
}

/**
 * A customer's internal score, suggested risk class and limit, with the reasons as lines,
 * from the newest payment behaviour and the newest bureau report.
 */
export async function getCreditAssessment(ctx: Ctx, customerId: string): Promise<CreditAssessment> {
  const profile = await getCreditProfile(ctx, customerId)
  const [behaviour, report] = await Promise.all([
    latestPaymentBehaviour(ctx, customerId),
    latestCreditReport(ctx, customerId),
  ])
  const assessment = assessCredit({
    currency: profile.currency,
    currentLimitMinor: profile.creditLimitMinor,
    behaviour,
    report,
    today: calendarDateAt(ctx.now, ctx.timeZone),
  })
  return {
    ...assessment,
    customerId,
    currency: profile.currency,
    currentLimitMinor: profile.creditLimitMinor,
    currentRiskClass: profile.riskClass,
    behaviourAsOf: behaviour?.asOf ?? null,
    reportId: report?.id ?? null,
    assessedAt: ctx.now,
  }
}
