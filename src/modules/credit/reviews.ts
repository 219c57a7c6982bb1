import { sql } from 'kysely'
import { addDays, calendarDateAt, isCalendarDate } from '../../core/dates.js'
import { invalid } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { decodeCursor, encodeCursor, type Page, pageSizeDefault } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { actorKey, type LimitDecision, proposeLimitChange } from './decisions.js'
import { getCreditPolicy } from './policy.js'
import {
  announceStatusChange,
  type CreditProfile,
  profileForUpdate,
  staleProfile,
  writeProfile,
} from './profile.js'
import type { CreditStatus, RiskClass } from './tables.js'

// Reviews: every profile carries a next review date; the profiles due on or before a date
// are the credit analyst's list, the riskiest and largest first. Completing a review
// records what the analyst saw and decided, and sets the next date.

export type DueReview = {
  customerId: string
  customerNumber: string
  customerName: string
  currency: string
  creditLimitMinor: bigint | null
  riskClass: RiskClass | null
  creditStatus: CreditStatus
  nextReviewDate: string
  lastReviewDate: string | null
  /** Open receivables in the profile's currency (customer_receivable_position). */
  exposureMinor: bigint
}

/**
 * Profiles due for review on or before `dueBefore` (default: today), ranked: blocked and on-hold first, then
 * by risk class (E first; a customer without a class ranks with C), then the largest
 * exposure, then the longest overdue review. Paged by position in that ranking.
 */
export async function listDueReviews(
  ctx: Ctx,
  filter: { dueBefore?: string; cursor?: string; limit?: number },
): Promise<Page<DueReview>> {
  const dueBefore = filter.dueBefore ?? calendarDateAt(ctx.now, ctx.timeZone)
  if (!isCalendarDate(dueBefore)) {
    throw invalid([{ field: 'due_before', message: 'is not a date (YYYY-MM-DD)' }])
  }
  const limit = filter.limit ?? pageSizeDefault
  const offset = Number(decodeCursor(filter.cursor) ?? 0)
  if (!Number.isInteger(offset) || offset < 0) {
    throw invalid([{ field: 'cursor', message: 'is not a cursor this API handed out' }])
  }
  // Reads customer numbers and names beside the profiles: one set-based read for the list.
  const result = await sql<DueReview>`
    select p.customer_id, c.number as customer_number, c.legal_name as customer_name,
      p.currency, p.credit_limit_minor, p.risk_class, p.credit_status, p.next_review_date,
      p.last_review_date, coalesce(r.open_minor, 0)::bigint as exposure_minor
    from credit_profile p
    join customer c on c.id = p.customer_id
    left join (
      select customer_id, currency, sum(open_minor) as open_minor
      from customer_receivable_position group by customer_id, currency
    ) r on r.customer_id = p.customer_id and r.currency = p.currency
    where p.next_review_date <= ${dueBefore}
    order by
      case p.credit_status when 'blocked' then 0 when 'hold' then 1 else 2 end,
      coalesce(p.risk_class, 'C') desc,
      coalesce(r.open_minor, 0) desc,
      p.next_review_date,
      p.customer_id
    limit ${limit + 1} offset ${offset}`.execute(ctx.db)
  const more = result.rows.length > limit
  return {
    data: more ? result.rows.slice(0, limit) : result.rows,
    nextCursor: more ? encodeCursor(String(offset + limit)) : null,
  }
}

export type ReviewInput = {
  note: string
  seen: Record<string, unknown>
  riskClass?: RiskClass | null
  creditStatus?: CreditStatus
  /** Omitted: today plus the policy's review interval. */
  nextReviewDate?: string
  /** A limit change decided in the review; it goes through four eyes like any other. */
  limit?: { limitMinor?: bigint; groupLimitMinor?: bigint; reason?: string }
}

export type CompletedReview = {
  id: string
  customerId: string
  reviewedAt: Date
  reviewedBy: string
  reviewedByName: string
  note: string
  seen: Record<string, unknown>
  riskClass: RiskClass | null
  creditStatus: CreditStatus
  nextReviewDate: string
  limitDecisionId: string | null
  profile: CreditProfile
  limitDecision: LimitDecision | null
}

/**
 * Completes a customer's credit review: records it, sets class, status and the next review
 * date on the profile, and proposes the limit change decided in it (if any).
 * `expectedVersion` is the profile version the analyst reviewed (If-Match).
 */
export async function completeReview(
  ctx: Ctx,
  customerId: string,
  expectedVersion: number,
  input: ReviewInput,
): Promise<CompletedReview> {
  const before = await profileForUpdate(ctx, customerId)
  if (input.note.trim() === '') {
    throw invalid([{ field: 'note', message: 'say what the review found' }])
  }
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  if (input.nextReviewDate !== undefined && input.nextReviewDate <= today) {
    throw invalid([
      {
        field: 'next_review_date',
        message: `${input.nextReviewDate} is not after today (${today})`,
      },
    ])
  }
  if (before.version !== expectedVersion) throw staleProfile(before)
  const policy = await getCreditPolicy(ctx)
  const nextReviewDate = input.nextReviewDate ?? addDays(today, policy.reviewIntervalDays)
  const id = newId()

  const decision = input.limit
    ? await proposeLimitChange(ctx, customerId, {
        limitMinor: input.limit.limitMinor,
        groupLimitMinor: input.limit.groupLimitMinor,
        reason: input.limit.reason?.trim() || `Credit review: ${input.note.trim()}`,
        seen: input.seen,
        reviewId: id,
      })
    : null
  // The decision may have applied a limit already; the review writes over that profile.
  const current = decision?.status === 'approved' ? await profileForUpdate(ctx, customerId) : before
  const after = await writeProfile(ctx, current, {
    riskClass: input.riskClass === undefined ? current.riskClass : input.riskClass,
    creditStatus: input.creditStatus ?? current.creditStatus,
    nextReviewDate,
    lastReviewDate: today,
  })
  const review = {
    id,
    customerId,
    reviewedAt: ctx.now,
    reviewedBy: actorKey(ctx.actor),
    reviewedByName: ctx.actor.name,
    note: input.note.trim(),
    seen: input.seen,
    riskClass: after.riskClass,
    creditStatus: after.creditStatus,
    nextReviewDate,
    limitDecisionId: decision?.id ?? null,
  }
  await ctx.db
    .insertInto('creditReview')
    .values({ ...review, tenantId: ctx.tenantId, seen: JSON.stringify(review.seen) })
    .execute()
  await recordAudit(ctx, {
    entityType: 'credit_review',
    entityId: id,
    action: 'completed',
    after: review,
  })
  await recordAudit(ctx, {
    entityType: 'credit_profile',
    entityId: customerId,
    action: 'reviewed',
    before: current,
    after,
  })
  await announceStatusChange(ctx, current, after, 'credit review')
  return { ...review, profile: after, limitDecision: decision }
}
