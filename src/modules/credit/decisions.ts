import type { Selectable } from 'kysely'
import { domainError, invalid, notFound } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Actor, Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { getCustomer } from '../customers/index.js'
import { type DomainEvent, emitEvent } from '../outbox/index.js'
import { amountText } from './amount-text.js'
import { type CreditPolicy, getCreditPolicy } from './policy.js'
import {
  type CreditProfile,
  emptyProfile,
  findCreditProfile,
  profileForUpdate,
  writeProfile,
} from './profile.js'
import type { CreditTables, LimitDecisionStatus } from './tables.js'

// Limit changes with four eyes. A proposal whose increase (or new limit) is above the
// tenant's threshold waits for a different person to approve it; anything else applies at
// once. Each decision keeps who proposed it, why, and what they saw; the limit itself
// changes only when the decision is approved.

export type LimitDecision = {
  id: string
  customerId: string
  status: LimitDecisionStatus
  fourEyesRequired: boolean
  currency: string
  limitMinor: bigint | null
  limitBeforeMinor: bigint | null
  groupLimitMinor: bigint | null
  groupLimitBeforeMinor: bigint | null
  reason: string
  seen: Record<string, unknown>
  proposedBy: string
  proposedByName: string
  proposedAt: Date
  decidedBy: string | null
  decidedByName: string | null
  decidedAt: Date | null
  decisionNote: string | null
  reviewId: string | null
  version: number
}

export type LimitProposal = {
  /** The new customer limit in minor units of the profile's currency; omitted: unchanged. */
  limitMinor?: bigint
  /** The new group limit (top parent only); omitted: unchanged. */
  groupLimitMinor?: bigint
  reason: string
  /** What the analyst saw: score, report id, exposure … kept with the decision. */
  seen: Record<string, unknown>
  reviewId?: string
}

/** The note of a decision that needed no second person. */
export const appliedAtOnceNote = 'Below the four-eyes threshold: applied at once'

/** Who an actor is for the four-eyes rule: a user by id, a CLI operator by name. */
export function actorKey(actor: Actor): string {
  return actor.type === 'user' ? actor.id : `system:${actor.name}`
}

/**
 * Proposes a new limit and/or group limit for a customer. Below the threshold it applies at
 * once (status approved); above it the decision stays pending until someone else approves.
 *
 *   const decision = await proposeLimitChange(ctx, customerId, {
 *     limitMinor: 2_500_000n, reason: 'Graydon B, pays on time', seen: { score: 82 } })
 *   decision.status // 'pending' when 25,000.00 is above the four-eyes threshold
 */
export async function proposeLimitChange(
  ctx: Ctx,
  customerId: string,
  proposal: LimitProposal,
): Promise<LimitDecision> {
  const customer = await getCustomer(ctx, customerId)
  if (proposal.limitMinor === undefined && proposal.groupLimitMinor === undefined) {
    throw invalid([{ field: 'limit', message: 'name a limit, a group limit or both' }])
  }
  if (proposal.reason.trim() === '') {
    throw invalid([{ field: 'reason', message: 'say why the limit changes' }])
  }
  if (proposal.groupLimitMinor !== undefined && customer.parentId !== null) {
    throw domainError(
      'credit.group_limit_not_on_top_parent',
      `Customer ${customer.number} has a parent; set the group limit on the group's top parent`,
      { field: 'group_limit', parent_id: customer.parentId },
    )
  }
  const profile =
    (await findCreditProfile(ctx, customerId, { forUpdate: true })) ??
    emptyProfile(customerId, customer.currency)
  await assertNoPending(ctx, customerId)
  const changesLimit =
    proposal.limitMinor !== undefined && proposal.limitMinor !== profile.creditLimitMinor
  const changesGroupLimit =
    proposal.groupLimitMinor !== undefined &&
    proposal.groupLimitMinor !== profile.groupCreditLimitMinor
  if (!changesLimit && !changesGroupLimit) {
    throw domainError(
      'credit.decision_changes_nothing',
      `Customer ${customer.number} already has these limits`,
      { field: proposal.limitMinor !== undefined ? 'limit' : 'group_limit' },
    )
  }
  const policy = await getCreditPolicy(ctx)
  const fourEyesRequired =
    (changesLimit &&
      needsFourEyes(policy, profile.currency, profile.creditLimitMinor, proposal.limitMinor)) ||
    (changesGroupLimit &&
      needsFourEyes(
        policy,
        profile.currency,
        profile.groupCreditLimitMinor,
        proposal.groupLimitMinor,
      ))

  const id = newId()
  await ctx.db
    .insertInto('creditLimitDecision')
    .values({
      tenantId: ctx.tenantId,
      id,
      customerId,
      status: 'pending',
      fourEyesRequired,
      currency: profile.currency,
      limitMinor: changesLimit ? (proposal.limitMinor ?? null) : null,
      limitBeforeMinor: changesLimit ? profile.creditLimitMinor : null,
      groupLimitMinor: changesGroupLimit ? (proposal.groupLimitMinor ?? null) : null,
      groupLimitBeforeMinor: changesGroupLimit ? profile.groupCreditLimitMinor : null,
      reason: proposal.reason.trim(),
      seen: JSON.stringify(proposal.seen),
      proposedBy: actorKey(ctx.actor),
      proposedByName: ctx.actor.name,
      proposedAt: ctx.now,
      reviewId: proposal.reviewId ?? null,
    })
    .execute()
  const proposed = await getLimitDecision(ctx, id)
  await recordAudit(ctx, {
    entityType: 'credit_limit_decision',
    entityId: id,
    action: 'proposed',
    after: proposed,
  })
  if (fourEyesRequired) return proposed
  return decide(ctx, proposed, 'approved', appliedAtOnceNote)
}

/**
 * Whether a change from `before` to `after` needs a second person: when the increase (the
 * whole new limit if there was none) is above the threshold. Without exchange rates a
 * threshold in another currency cannot be compared, so any increase then needs four eyes.
 */
export function needsFourEyes(
  policy: Pick<CreditPolicy, 'fourEyesThresholdMinor' | 'currency'>,
  currency: string,
  before: bigint | null,
  after: bigint | undefined,
): boolean {
  if (after === undefined) return false
  const increase = after - (before ?? 0n)
  if (increase <= 0n) return false
  if (policy.currency !== currency) return true
  return increase > policy.fourEyesThresholdMinor
}

async function assertNoPending(ctx: Ctx, customerId: string): Promise<void> {
  const pending = await ctx.db
    .selectFrom('creditLimitDecision')
    .select('id')
    .where('customerId', '=', customerId)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  if (pending) {
    throw domainError(
      'credit.decision_pending',
      `Limit decision ${pending.id} for this customer is waiting for approval; approve or reject it first`,
      { decision: pending.id },
    )
  }
}

/** Approves a pending decision and applies its limits; the proposer may not approve their own. */
export async function approveLimitDecision(
  ctx: Ctx,
  id: string,
  note: string | undefined,
): Promise<LimitDecision> {
  const decision = await pendingDecisionForUpdate(ctx, id)
  if (decision.proposedBy === actorKey(ctx.actor)) {
    throw domainError(
      'credit.four_eyes_same_user',
      `You proposed this limit change (${decision.reason}); another credit analyst must approve it`,
      { decision: id, proposed_by: decision.proposedByName },
    )
  }
  return decide(ctx, decision, 'approved', note?.trim() || null)
}

/** Rejects a pending decision with a note saying why; the limits stay as they are. */
export async function rejectLimitDecision(
  ctx: Ctx,
  id: string,
  note: string,
): Promise<LimitDecision> {
  if (note.trim() === '') throw invalid([{ field: 'note', message: 'say why it is rejected' }])
  const decision = await pendingDecisionForUpdate(ctx, id)
  return decide(ctx, decision, 'rejected', note.trim())
}

async function pendingDecisionForUpdate(ctx: Ctx, id: string): Promise<LimitDecision> {
  const row = await ctx.db
    .selectFrom('creditLimitDecision')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw notFound('credit_limit_decision', id)
  const decision = decisionFromRow(row)
  if (decision.status !== 'pending') {
    throw domainError(
      'credit.decision_not_pending',
      `Limit decision ${id} was ${decision.status} by ${decision.decidedByName} at ${decision.decidedAt?.toISOString()}`,
      { decision: id, decision_status: decision.status },
    )
  }
  return decision
}

async function decide(
  ctx: Ctx,
  decision: LimitDecision,
  status: 'approved' | 'rejected',
  note: string | null,
): Promise<LimitDecision> {
  await ctx.db
    .updateTable('creditLimitDecision')
    .set({
      status,
      decidedBy: actorKey(ctx.actor),
      decidedByName: ctx.actor.name,
      decidedAt: ctx.now,
      decisionNote: note,
      version: decision.version + 1,
    })
    .where('id', '=', decision.id)
    .execute()
  const after = await getLimitDecision(ctx, decision.id)
  await recordAudit(ctx, {
    entityType: 'credit_limit_decision',
    entityId: decision.id,
    action: status,
    before: decision,
    after,
  })
  if (status === 'approved') await applyLimits(ctx, after)
  return after
}

async function applyLimits(ctx: Ctx, decision: LimitDecision): Promise<CreditProfile> {
  const before = await profileForUpdate(ctx, decision.customerId)
  const after = await writeProfile(ctx, before, {
    ...(decision.limitMinor !== null ? { creditLimitMinor: decision.limitMinor } : {}),
    ...(decision.groupLimitMinor !== null
      ? { groupCreditLimitMinor: decision.groupLimitMinor }
      : {}),
  })
  await recordAudit(ctx, {
    entityType: 'credit_profile',
    entityId: decision.customerId,
    action: 'limit_changed',
    before,
    after: { ...after, decisionId: decision.id },
  })
  await emitEvent(ctx, limitChangedEvent(decision, before, after))
  return after
}

/** credit.limit_changed: what an approved decision did to the profile. */
export function limitChangedEvent(
  decision: LimitDecision,
  before: CreditProfile,
  after: CreditProfile,
): DomainEvent {
  const money = (minor: bigint | null) =>
    minor === null ? null : { amount: amountText(minor, after.currency), minor }
  return {
    type: 'credit.limit_changed',
    entityType: 'customer',
    entityId: decision.customerId,
    payload: {
      customer_id: decision.customerId,
      decision_id: decision.id,
      currency: after.currency,
      credit_limit: money(after.creditLimitMinor),
      credit_limit_before: money(before.creditLimitMinor),
      group_credit_limit: money(after.groupCreditLimitMinor),
      group_credit_limit_before: money(before.groupCreditLimitMinor),
      proposed_by: decision.proposedByName,
      approved_by: decision.decidedByName,
      reason: decision.reason,
    },
  }
}

export async function getLimitDecision(ctx: Ctx, id: string): Promise<LimitDecision> {
  const row = await ctx.db
    .selectFrom('creditLimitDecision')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('credit_limit_decision', id)
  return decisionFromRow(row)
}

export type LimitDecisionFilter = {
  status?: LimitDecisionStatus
  customerId?: string
  cursor?: string
  limit?: number
}

/** Decisions, oldest first: the pending ones are the approver's worklist. */
export async function listLimitDecisions(
  ctx: Ctx,
  filter: LimitDecisionFilter,
): Promise<Page<LimitDecision>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('creditLimitDecision')
    .selectAll()
    .orderBy('id')
    .limit(limit + 1)
  if (after) query = query.where('id', '>', after)
  if (filter.status) query = query.where('status', '=', filter.status)
  if (filter.customerId) query = query.where('customerId', '=', filter.customerId)
  return toPage((await query.execute()).map(decisionFromRow), limit)
}

function decisionFromRow(row: Selectable<CreditTables['creditLimitDecision']>): LimitDecision {
  const { tenantId: _tenantId, seen, ...rest } = row
  return { ...rest, seen: seen as Record<string, unknown> }
}
