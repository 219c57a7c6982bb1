import type { Selectable } from 'kysely'
import { sql } from 'kysely'
import { domainError } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import { type AuditEntry, recordAuditBatch } from '../audit/index.js'
import type { ImportedCreditLimit, ImportedCreditLimitsOutcome } from '../customers/index.js'
import { type DomainEvent, emitEvents } from '../outbox/index.js'
import { amountText } from './amount-text.js'
import {
  actorKey,
  appliedAtOnceNote,
  type LimitDecision,
  limitChangedEvent,
  needsFourEyes,
} from './decisions.js'
import { getCreditPolicy } from './policy.js'
import { type CreditProfile, emptyProfile, profileFromRow } from './profile.js'
import type { CreditTables } from './tables.js'

// Credit limits from the customers CSV import (`credit_limit` column), one batch of up to
// 2,000 rows at a time, in the import's transaction. Each limit is a limit decision, as if
// the importing user had proposed it (proposeLimitChange): the same four-eyes rule, the same
// decision rows, audit events and credit.limit_changed events — but written set-based, a
// handful of statements per batch whatever its size (a 100,000-row file would otherwise
// cost minutes in single-row statements).
//
// What happens to a limit, per customer:
//   equal to the current limit          nothing (no decision, no audit)
//   decrease, or increase ≤ threshold   an approved decision; the profile changes at once
//   increase > threshold                a pending decision another user must approve
//   a decision already pending          skipped and reported (line and decision): the
//                                       analyst settles the open proposal first; the file
//                                       never overrides or queues behind it
//   profile in another currency         skipped and reported: the file's amount is in the
//                                       customer's (changed) currency, the limits are not

export const importedLimitReason = 'imported from customers file'

/** The importer's handler, registered in index.ts with handleImportedCreditLimits. */
export async function applyImportedCreditLimits(
  ctx: Ctx,
  limits: readonly ImportedCreditLimit[],
): Promise<ImportedCreditLimitsOutcome> {
  const outcome: ImportedCreditLimitsOutcome = {
    applied: 0,
    awaitingApproval: 0,
    unchanged: 0,
    skipped: [],
  }
  if (limits.length === 0) return outcome
  const policy = await getCreditPolicy(ctx)
  const positions = await limitPositions(
    ctx,
    limits.map((l) => l.customerId),
  )

  const decisions: Array<{ proposed: LimitDecision; approved: LimitDecision | null }> = []
  const profileChanges: Array<{ before: CreditProfile; decision: LimitDecision }> = []
  const seenCustomers = new Set<string>()
  for (const limit of limits) {
    const position = positions.get(limit.customerId)
    const profile = position?.profile ?? {
      // What profileForUpdate would make: the customer's currency, version 0.
      ...emptyProfile(limit.customerId, limit.currency),
      updatedAt: ctx.now,
    }
    const skip = (message: string) =>
      outcome.skipped.push({ line: limit.line, customerNumber: limit.customerNumber, message })
    // The customers import refuses a number twice in a file; a second limit for one
    // customer in a batch would make two decisions on one "before".
    if (seenCustomers.has(limit.customerId)) {
      skip(`customer ${limit.customerNumber} has a limit earlier in this batch`)
      continue
    }
    seenCustomers.add(limit.customerId)
    if (profile.creditLimitMinor === limit.limitMinor) {
      outcome.unchanged++
      continue
    }
    if (profile.currency !== limit.currency) {
      skip(
        `the credit limits of ${limit.customerNumber} are kept in ${profile.currency}, the ` +
          `customer's currency is ${limit.currency}; propose the limit as a limit decision`,
      )
      continue
    }
    const pending = position?.pending
    if (pending) {
      const proposed =
        pending.limitMinor === null
          ? 'a group limit'
          : amountText(pending.limitMinor, pending.currency)
      skip(
        pending.limitMinor === limit.limitMinor
          ? `this limit is already waiting for approval (decision ${pending.id}, proposed by ${pending.proposedByName})`
          : `limit decision ${pending.id} (${proposed}, proposed by ${pending.proposedByName}) ` +
              'is waiting for approval; approve or reject it, then import again',
      )
      continue
    }
    const fourEyesRequired = needsFourEyes(
      policy,
      profile.currency,
      profile.creditLimitMinor,
      limit.limitMinor,
    )
    const proposed = proposedDecision(ctx, limit, profile, fourEyesRequired)
    if (fourEyesRequired) {
      outcome.awaitingApproval++
      decisions.push({ proposed, approved: null })
      continue
    }
    const approved: LimitDecision = {
      ...proposed,
      status: 'approved',
      decidedBy: actorKey(ctx.actor),
      decidedByName: ctx.actor.name,
      decidedAt: ctx.now,
      decisionNote: appliedAtOnceNote,
      version: proposed.version + 1,
    }
    outcome.applied++
    decisions.push({ proposed, approved })
    profileChanges.push({ before: profile, decision: approved })
  }

  await insertDecisions(
    ctx,
    decisions.map((d) => d.approved ?? d.proposed),
  )
  const profilesAfter = await writeLimits(ctx, profileChanges)

  // The same events, in the same order, as proposeLimitChange would record one by one.
  const audits: AuditEntry[] = []
  const events: DomainEvent[] = []
  for (const { proposed, approved } of decisions) {
    const entity = { entityType: 'credit_limit_decision', entityId: proposed.id }
    audits.push({ ...entity, action: 'proposed', after: proposed })
    if (!approved) continue
    audits.push({ ...entity, action: 'approved', before: proposed, after: approved })
    const change = profilesAfter.get(approved.customerId)
    if (!change) continue
    audits.push({
      entityType: 'credit_profile',
      entityId: approved.customerId,
      action: 'limit_changed',
      before: change.before,
      after: { ...change.after, decisionId: approved.id },
    })
    events.push(limitChangedEvent(approved, change.before, change.after))
  }
  await recordAuditBatch(ctx, audits)
  await emitEvents(ctx, events)
  return outcome
}

function proposedDecision(
  ctx: Ctx,
  limit: ImportedCreditLimit,
  profile: CreditProfile,
  fourEyesRequired: boolean,
): LimitDecision {
  return {
    id: newId(),
    customerId: limit.customerId,
    status: 'pending',
    fourEyesRequired,
    currency: profile.currency,
    limitMinor: limit.limitMinor,
    limitBeforeMinor: profile.creditLimitMinor,
    groupLimitMinor: null,
    groupLimitBeforeMinor: null,
    reason: importedLimitReason,
    seen: { source: 'customers import', line: limit.line },
    proposedBy: actorKey(ctx.actor),
    proposedByName: ctx.actor.name,
    proposedAt: ctx.now,
    decidedBy: null,
    decidedByName: null,
    decidedAt: null,
    decisionNote: null,
    reviewId: null,
    version: 1,
  }
}

type PendingDecision = {
  id: string
  limitMinor: bigint | null
  currency: string
  proposedByName: string
}

type LimitPosition = { profile: CreditProfile | null; pending: PendingDecision | null }

type PositionRow = Selectable<CreditTables['creditProfile']> & {
  wantedId: string
  pendingId: string | null
  pendingLimitMinor: bigint | null
  pendingCurrency: string | null
  pendingProposedByName: string | null
}

/**
 * The batch's profiles, locked until commit (as proposeLimitChange locks one), and the
 * decision pending for each customer, if any. A lookup per customer on the keys, like the
 * customers import: rows written earlier in the transaction have no statistics yet.
 */
async function limitPositions(
  ctx: Ctx,
  customerIds: string[],
): Promise<Map<string, LimitPosition>> {
  const result = await sql<PositionRow>`
    select w.wanted_id, p.*, d.id as pending_id, d.limit_minor as pending_limit_minor,
      d.currency as pending_currency, d.proposed_by_name as pending_proposed_by_name
    from unnest(${customerIds}::uuid[]) as w(wanted_id)
    left join lateral (
      select * from credit_profile
      where tenant_id = ${ctx.tenantId} and customer_id = w.wanted_id
      for update
    ) p on true
    left join lateral (
      select id, limit_minor, currency, proposed_by_name from credit_limit_decision
      where tenant_id = ${ctx.tenantId} and customer_id = w.wanted_id and status = 'pending'
      limit 1
    ) d on true`.execute(ctx.db)
  const positions = new Map<string, LimitPosition>()
  for (const row of result.rows) {
    positions.set(row.wantedId, {
      profile: row.customerId === null ? null : profileFromRow(row),
      pending:
        row.pendingId === null
          ? null
          : {
              id: row.pendingId,
              limitMinor: row.pendingLimitMinor,
              currency: row.pendingCurrency ?? '',
              proposedByName: row.pendingProposedByName ?? '',
            },
    })
  }
  return positions
}

/** One INSERT for the batch's decisions, approved and pending alike. */
async function insertDecisions(ctx: Ctx, decisions: LimitDecision[]): Promise<void> {
  if (decisions.length === 0) return
  const rows = decisions.map((d) => ({
    id: d.id,
    customer_id: d.customerId,
    status: d.status,
    four_eyes_required: d.fourEyesRequired,
    currency: d.currency,
    limit_minor: d.limitMinor?.toString() ?? null,
    limit_before_minor: d.limitBeforeMinor?.toString() ?? null,
    seen: d.seen,
    decided: d.decidedAt !== null,
    decision_note: d.decisionNote,
    version: d.version,
  }))
  // The rows travel as one JSON document, like the customers import's.
  await sql`
    insert into credit_limit_decision (tenant_id, id, customer_id, status, four_eyes_required,
      currency, limit_minor, limit_before_minor, reason, seen, proposed_by, proposed_by_name,
      proposed_at, decided_by, decided_by_name, decided_at, decision_note, version)
    select ${ctx.tenantId}::uuid, d.id, d.customer_id, d.status, d.four_eyes_required,
      d.currency, d.limit_minor, d.limit_before_minor, ${importedLimitReason}, d.seen,
      ${actorKey(ctx.actor)}, ${ctx.actor.name}, ${ctx.now}::timestamptz,
      case when d.decided then ${actorKey(ctx.actor)} end,
      case when d.decided then ${ctx.actor.name} end,
      case when d.decided then ${ctx.now}::timestamptz end, d.decision_note, d.version
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as d(id uuid, customer_id uuid,
      status text, four_eyes_required boolean, currency text, limit_minor bigint,
      limit_before_minor bigint, seen jsonb, decided boolean, decision_note text,
      version int)`.execute(ctx.db)
}

/**
 * The approved limits, in one INSERT … ON CONFLICT: a customer without a profile gets one in
 * the customer's currency, a stored profile its new limit with version + 1, guarded by the
 * version read (the rows are locked, so a miss means a profile appeared meanwhile).
 */
async function writeLimits(
  ctx: Ctx,
  changes: Array<{ before: CreditProfile; decision: LimitDecision }>,
): Promise<Map<string, { before: CreditProfile; after: CreditProfile }>> {
  const written = new Map<string, { before: CreditProfile; after: CreditProfile }>()
  if (changes.length === 0) return written
  const rows = changes.map(({ before, decision }) => ({
    customer_id: before.customerId,
    currency: before.currency,
    credit_limit_minor: decision.limitMinor?.toString() ?? null,
    version: before.version + 1,
  }))
  const result = await sql<Selectable<CreditTables['creditProfile']>>`
    insert into credit_profile (tenant_id, customer_id, currency, credit_limit_minor,
      created_at, updated_at, version)
    select ${ctx.tenantId}::uuid, p.customer_id, p.currency, p.credit_limit_minor,
      ${ctx.now}::timestamptz, ${ctx.now}::timestamptz, p.version
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as p(customer_id uuid,
      currency text, credit_limit_minor bigint, version int)
    on conflict (tenant_id, customer_id) do update set
      credit_limit_minor = excluded.credit_limit_minor, updated_at = excluded.updated_at,
      version = credit_profile.version + 1
    where credit_profile.version = excluded.version - 1
    returning *`.execute(ctx.db)
  const after = new Map(result.rows.map((row) => [row.customerId, profileFromRow(row)]))
  for (const { before } of changes) {
    const profile = after.get(before.customerId)
    if (!profile) {
      throw domainError(
        'customers.import_concurrent_change',
        `The credit profile of customer ${before.customerId} was made by someone else ` +
          'during the import; nothing was imported, run it again',
        { customer_id: before.customerId },
      )
    }
    written.set(before.customerId, { before, after: profile })
  }
  return written
}
