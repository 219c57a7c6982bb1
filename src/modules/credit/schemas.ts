import { z } from 'zod'
import { domainError, invalid } from '../../core/errors.js'
import { formatAmount, parseAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { calendarDate, decimalString } from '../../http/schemas.js'
import type { CreditAssessment } from './assessment.js'
import type { LimitDecision } from './decisions.js'
import type { CreditPolicy } from './policy.js'
import { type CreditProfile, getCreditProfile } from './profile.js'
import { type ReportImport, rejectedToApi } from './reports.js'
import type { CompletedReview, DueReview } from './reviews.js'
import { creditStatuses, riskClasses } from './tables.js'

// The credit module as the API speaks it (snake_case, money as decimal strings with the
// resource's currency), shared by routes and commands.

/** Parses an API amount in `currency`, naming the field when it is not one. */
export function amountIn(text: string, currency: string, field: string): bigint {
  const minor = parseAmount(text, currency)
  if (minor === undefined || minor < 0n) {
    throw invalid([
      { field, message: `${text} is not a non-negative amount in ${currency} (e.g. "25000.00")` },
    ])
  }
  return minor
}

const amountOut = (minor: bigint | null, currency: string) =>
  minor === null ? null : formatAmount(minor, currency)

export const creditProfileOut = z.object({
  customer_id: z.string(),
  currency: z.string(),
  credit_limit: z.string().nullable().describe('null: no limit set (orders go on credit hold)'),
  group_credit_limit: z.string().nullable().describe("on a group's top parent only"),
  risk_class: z.enum(riskClasses).nullable(),
  credit_status: z.enum(creditStatuses),
  next_review_date: z.string().nullable(),
  last_review_date: z.string().nullable(),
  requires_prepayment: z.boolean(),
  updated_at: z.string().nullable(),
  version: z.number().describe('0 until the profile is first saved'),
})

export function profileToApi(p: CreditProfile): z.infer<typeof creditProfileOut> {
  return {
    customer_id: p.customerId,
    currency: p.currency,
    credit_limit: amountOut(p.creditLimitMinor, p.currency),
    group_credit_limit: amountOut(p.groupCreditLimitMinor, p.currency),
    risk_class: p.riskClass,
    credit_status: p.creditStatus,
    next_review_date: p.nextReviewDate,
    last_review_date: p.lastReviewDate,
    requires_prepayment: p.requiresPrepayment,
    updated_at: p.updatedAt?.toISOString() ?? null,
    version: p.version,
  }
}

export const creditProfilePatchIn = z
  .object({
    credit_status: z.enum(creditStatuses),
    risk_class: z.enum(riskClasses).nullable(),
    next_review_date: calendarDate.nullable(),
    requires_prepayment: z.boolean(),
  })
  .partial()
  .strict()

export const creditPolicyOut = z.object({
  four_eyes_threshold: z
    .string()
    .describe('limit increases (or new limits) above this need a second person to approve'),
  currency: z.string(),
  overdue_days_max: z
    .number()
    .describe('orders are held when the oldest open item is overdue longer than this'),
  review_interval_days: z.number().describe('next review after a completed one, by default'),
  version: z.number().describe('0 while the tenant uses the defaults'),
})

export function policyToApi(p: CreditPolicy): z.infer<typeof creditPolicyOut> {
  return {
    four_eyes_threshold: formatAmount(p.fourEyesThresholdMinor, p.currency),
    currency: p.currency,
    overdue_days_max: p.overdueDaysMax,
    review_interval_days: p.reviewIntervalDays,
    version: p.version,
  }
}

export const creditPolicyIn = z.object({
  four_eyes_threshold: decimalString,
  currency: z.string().length(3),
  overdue_days_max: z.number().int().min(0).max(3650),
  review_interval_days: z.number().int().min(1).max(1830),
})

export const seenIn = z
  .record(z.string().max(64), z.unknown())
  .describe('what the analyst saw: {"score": 72, "report_id": "…", "exposure": "12400.00"}')

export const limitDecisionIn = z.object({
  limit: decimalString.optional().describe('the new customer limit'),
  group_limit: decimalString.optional().describe("the new group limit (group's top parent)"),
  currency: z.string().length(3).optional().describe("the profile's currency; checked if sent"),
  reason: z.string().min(1).max(2000),
  seen: seenIn,
})

export const limitDecisionOut = z.object({
  id: z.string(),
  customer_id: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  four_eyes_required: z.boolean(),
  currency: z.string(),
  limit: z.string().nullable().describe('null: this decision leaves the limit as it is'),
  limit_before: z.string().nullable(),
  group_limit: z.string().nullable(),
  group_limit_before: z.string().nullable(),
  reason: z.string(),
  seen: z.record(z.string(), z.unknown()),
  proposed_by: z.object({ id: z.string(), name: z.string() }),
  proposed_at: z.string(),
  decided_by: z.object({ id: z.string(), name: z.string() }).nullable(),
  decided_at: z.string().nullable(),
  decision_note: z.string().nullable(),
  review_id: z.string().nullable(),
  version: z.number(),
})

export function decisionToApi(d: LimitDecision): z.infer<typeof limitDecisionOut> {
  return {
    id: d.id,
    customer_id: d.customerId,
    status: d.status,
    four_eyes_required: d.fourEyesRequired,
    currency: d.currency,
    limit: amountOut(d.limitMinor, d.currency),
    limit_before: d.limitMinor === null ? null : amountOut(d.limitBeforeMinor, d.currency),
    group_limit: amountOut(d.groupLimitMinor, d.currency),
    group_limit_before:
      d.groupLimitMinor === null ? null : amountOut(d.groupLimitBeforeMinor, d.currency),
    reason: d.reason,
    seen: d.seen,
    proposed_by: { id: d.proposedBy, name: d.proposedByName },
    proposed_at: d.proposedAt.toISOString(),
    decided_by:
      d.decidedBy === null ? null : { id: d.decidedBy, name: d.decidedByName ?? d.decidedBy },
    decided_at: d.decidedAt?.toISOString() ?? null,
    decision_note: d.decisionNote,
    review_id: d.reviewId,
    version: d.version,
  }
}

/**
 * The limits of a decision body in minor units of the customer's profile currency. A body
 * that names another currency is refused: limits are not converted.
 */
export async function limitsIn(
  ctx: Ctx,
  customerId: string,
  body: { limit?: string; group_limit?: string; currency?: string },
): Promise<{ limitMinor?: bigint; groupLimitMinor?: bigint }> {
  const { currency } = await getCreditProfile(ctx, customerId)
  if (body.currency !== undefined && body.currency.toUpperCase() !== currency) {
    throw domainError(
      'credit.currency_differs',
      `The customer's credit limits are in ${currency}, not ${body.currency}`,
      { field: 'currency', currency },
    )
  }
  return {
    ...(body.limit !== undefined ? { limitMinor: amountIn(body.limit, currency, 'limit') } : {}),
    ...(body.group_limit !== undefined
      ? { groupLimitMinor: amountIn(body.group_limit, currency, 'group_limit') }
      : {}),
  }
}

export const reportOut = z.object({
  id: z.string(),
  customer_id: z.string(),
  bureau: z.string(),
  score: z.number().nullable(),
  rating: z.string().nullable(),
  recommended_limit: z.string().nullable(),
  currency: z.string(),
  payment_index: z.number().nullable(),
  report_date: z.string(),
  source: z.enum(['file', 'api']),
  file_name: z.string().nullable(),
  imported_at: z.string(),
  imported_by: z.string(),
})

export const rejectedReportOut = z.object({
  row: z.number().describe('1-based record number (the header is not a record)'),
  line: z.number().nullable().describe('line in the file, when the file had lines'),
  customer_number: z.string().nullable(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })),
})

export const reportImportOut = z.object({
  received: z.number(),
  imported: z.number(),
  unchanged: z.number().describe('already on file with the same figures'),
  rejected: z.array(rejectedReportOut),
  report_ids: z.array(z.string()),
})

export function reportImportToApi(r: ReportImport): z.infer<typeof reportImportOut> {
  return {
    received: r.received,
    imported: r.imported,
    unchanged: r.unchanged,
    rejected: r.rejected.map(rejectedToApi),
    report_ids: r.reportIds,
  }
}

export const assessmentOut = z.object({
  customer_id: z.string(),
  currency: z.string(),
  internal_score: z.number().nullable().describe('0–100 from payment behaviour; null: none yet'),
  internal_class: z.enum(riskClasses).nullable(),
  bureau_class: z.enum(riskClasses).nullable(),
  suggested_class: z.enum(riskClasses).nullable(),
  suggested_limit: z.string().nullable(),
  current_limit: z.string().nullable(),
  current_class: z.enum(riskClasses).nullable(),
  reasons: z
    .array(z.string())
    .describe('readable lines, e.g. "Paid 40% of invoices late (avg 18 days)"'),
  behaviour_as_of: z.string().nullable(),
  report_id: z.string().nullable(),
  assessed_at: z.string(),
})

export function assessmentToApi(a: CreditAssessment): z.infer<typeof assessmentOut> {
  return {
    customer_id: a.customerId,
    currency: a.currency,
    internal_score: a.internalScore,
    internal_class: a.internalClass,
    bureau_class: a.bureauClass,
    suggested_class: a.suggestedClass,
    suggested_limit: amountOut(a.suggestedLimitMinor, a.currency),
    current_limit: amountOut(a.currentLimitMinor, a.currency),
    current_class: a.currentRiskClass,
    reasons: a.reasons,
    behaviour_as_of: a.behaviourAsOf,
    report_id: a.reportId,
    assessed_at: a.assessedAt.toISOString(),
  }
}

export const dueReviewOut = z.object({
  customer_id: z.string(),
  customer_number: z.string(),
  customer_name: z.string(),
  currency: z.string(),
  credit_limit: z.string().nullable(),
  exposure: z.string().describe('open receivables in the profile currency'),
  risk_class: z.enum(riskClasses).nullable(),
  credit_status: z.enum(creditStatuses),
  next_review_date: z.string(),
  last_review_date: z.string().nullable(),
})

export function dueReviewToApi(d: DueReview): z.infer<typeof dueReviewOut> {
  return {
    customer_id: d.customerId,
    customer_number: d.customerNumber,
    customer_name: d.customerName,
    currency: d.currency,
    credit_limit: amountOut(d.creditLimitMinor, d.currency),
    exposure: formatAmount(d.exposureMinor, d.currency),
    risk_class: d.riskClass,
    credit_status: d.creditStatus,
    next_review_date: d.nextReviewDate,
    last_review_date: d.lastReviewDate,
  }
}

export const reviewIn = z.object({
  note: z.string().min(1).max(4000).describe('what the review found'),
  seen: seenIn,
  risk_class: z.enum(riskClasses).nullable().optional(),
  credit_status: z.enum(creditStatuses).optional(),
  next_review_date: calendarDate.optional().describe('default: today + the policy interval'),
  limit: decimalString.optional().describe('a new limit decided in the review (four eyes apply)'),
  group_limit: decimalString.optional(),
  currency: z.string().length(3).optional(),
  limit_reason: z.string().max(2000).optional(),
})

export const reviewOut = z.object({
  id: z.string(),
  customer_id: z.string(),
  reviewed_at: z.string(),
  reviewed_by: z.object({ id: z.string(), name: z.string() }),
  note: z.string(),
  seen: z.record(z.string(), z.unknown()),
  risk_class: z.enum(riskClasses).nullable(),
  credit_status: z.enum(creditStatuses),
  next_review_date: z.string(),
  profile: creditProfileOut,
  limit_decision: limitDecisionOut.nullable(),
})

export function reviewToApi(r: CompletedReview): z.infer<typeof reviewOut> {
  return {
    id: r.id,
    customer_id: r.customerId,
    reviewed_at: r.reviewedAt.toISOString(),
    reviewed_by: { id: r.reviewedBy, name: r.reviewedByName },
    note: r.note,
    seen: r.seen,
    risk_class: r.riskClass,
    credit_status: r.creditStatus,
    next_review_date: r.nextReviewDate,
    profile: profileToApi(r.profile),
    limit_decision: r.limitDecision ? decisionToApi(r.limitDecision) : null,
  }
}
