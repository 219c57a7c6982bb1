import { sql } from 'kysely'
import { domainError, invalid } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { formatAmount } from '../../core/money.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import {
  assessOrderCredit,
  type CreditDecision,
  checkOrderCredit,
  lockCreditExposure,
  type OrderCreditRequest,
  recordOrderCreditCheck,
} from '../credit/index.js'
import { customerGroup } from '../customers/index.js'
import { emitEvent } from '../outbox/index.js'
import {
  type CreditHold,
  type CreditHoldReason,
  insertOrders,
  loadOrder,
  type Order,
  reserveOrderNumbers,
} from './order-store.js'
import { orderTotals } from './pricing.js'
import {
  closeAsCancelled,
  type NewOrder,
  orderEventPayload,
  prepareNewOrder,
  recordOrderCreated,
} from './service.js'
import { assertTransition } from './status.js'

// Confirming an order runs the credit check: approved, the order is confirmed; otherwise it
// goes on credit hold with the credit module's reasons, and a credit analyst releases it
// (confirmed) or rejects it (cancelled), saying why. Prepayment orders skip the exposure test
// in the credit module, but a hold or block on the customer still holds them.

/** Orders that count as exposure: confirmed and not yet invoiced. */
const uninvoicedStatuses = ['confirmed', 'partially_shipped', 'shipped'] as const

/**
 * The confirmed, not yet invoiced orders of a group's customers, summed per customer and
 * currency in one statement (the order being confirmed left out), as the credit contract's
 * uninvoicedOrders wants them.
 */
export async function uninvoicedOrdersOfCustomers(
  ctx: Ctx,
  customerIds: string[],
  exceptOrderId: string,
): Promise<{ customerId: string; currency: string; amountMinor: bigint }[]> {
  const result = await sql<{ customerId: string; currency: string; amountMinor: bigint }>`
    select customer_id, currency, sum(gross_minor)::bigint as amount_minor
    from sales_order
    where customer_id = any(${customerIds}::uuid[])
      and status in (${sql.join(uninvoicedStatuses)})
      and id <> ${exceptOrderId}
    group by customer_id, currency
    order by customer_id, currency`.execute(ctx.db)
  return result.rows
}

/**
 * Takes the credit module's exposure lock of each customer's group, in one fixed order.
 *
 * Two orders of one group confirmed at once must not both pass a limit that fits only one,
 * so confirmations of a group take turns until commit. Lock order matters on PostgreSQL:
 * a transaction that confirms orders of several groups (the CSV import) takes the groups in
 * one sorted order, and before the order-number counter, so that two such transactions can
 * never hold one lock each and wait for the other's. Callers that create before confirming
 * (create and confirm in one go, the CSV import) call this first.
 */
export async function lockCreditOfCustomers(ctx: Ctx, customerIds: string[]): Promise<void> {
  const roots = new Set<string>()
  for (const customerId of new Set(customerIds)) {
    roots.add((await customerGroup(ctx, customerId)).rootId)
  }
  for (const rootId of [...roots].sort()) await lockCreditExposure(ctx, rootId)
}

/**
 * Creates an order and confirms it in the same transaction ("confirm": true).
 *
 * The order number is taken last: the tenant's number counter stays locked from then until
 * commit, and every order creation of the tenant waits on it. So the order is priced and its
 * credit decided before it exists, and only then numbered and inserted in its final state,
 * confirmed or on credit hold. Its history (audit trail, events) reads as a draft created
 * and then confirmed, as POST /v1/orders followed by POST /v1/orders/{id}/confirm would say.
 */
export async function createConfirmedOrder(ctx: Ctx, input: NewOrder): Promise<Order> {
  // Check: price the order and decide on its credit, under the group's exposure lock.
  await lockCreditOfCustomers(ctx, [input.customerId])
  const { header, lines } = await prepareNewOrder(ctx, input)
  if (lines.length === 0) {
    throw domainError('orders.no_lines', 'An order without lines cannot be confirmed', {
      field: 'lines',
    })
  }
  const id = newId()
  const credit = await assessOrderCredit(
    ctx,
    await creditRequest(ctx, { ...header, id, totals: orderTotals(lines) }),
  )
  const onHold = credit.decision.outcome === 'hold'

  // Lock and change: the number, the order in its final state, its hold if it is held.
  const number = await reserveOrderNumbers(ctx, 1)
  const [inserted] = await insertOrders(ctx, [
    {
      ...header,
      id,
      number,
      lines,
      sourceReference: input.sourceReference ?? null,
      state: {
        status: onHold ? 'credit_hold' : 'confirmed',
        confirmedAt: onHold ? null : ctx.now,
        version: 2,
      },
    },
  ])
  const creditHold = onHold ? await insertCreditHold(ctx, id, credit.decision) : null
  const order: Order = { ...inserted, creditHold }

  // Record and tell, in the order a creation followed by a confirmation would.
  const draft: Order = {
    ...order,
    status: 'draft',
    confirmedAt: null,
    creditHold: null,
    version: 1,
  }
  await recordOrderCreated(ctx, draft)
  await recordOrderCreditCheck(ctx, credit)
  if (creditHold) await recordCreditHold(ctx, draft, order, creditHold)
  else await recordConfirmed(ctx, draft, order, 'confirmed', creditWhy(credit.decision))
  return order
}

/** What the credit check of an order needs to know about it. */
type CreditSubject = Pick<Order, 'id' | 'customerId' | 'currency' | 'requiresPrepayment' | 'totals'>

async function creditRequest(ctx: Ctx, order: CreditSubject): Promise<OrderCreditRequest> {
  // Taken before the uninvoiced orders are summed, so the sum cannot go stale.
  await lockCreditExposure(ctx, order.customerId)
  const group = await customerGroup(ctx, order.customerId)
  const uninvoicedOrders = await uninvoicedOrdersOfCustomers(ctx, group.memberIds, order.id)
  return {
    customerId: order.customerId,
    orderId: order.id,
    amountMinor: order.totals.grossMinor,
    currency: order.currency,
    uninvoicedOrders,
    prepayment: order.requiresPrepayment,
  }
}

/**
 * Confirms a draft after the credit check. The result is either confirmed or credit_hold;
 * both are answers, not errors: the hold names its reasons on the order.
 */
export async function confirmOrder(ctx: Ctx, id: string): Promise<Order> {
  return confirmDraft(ctx, await loadOrder(ctx, id, { forUpdate: true }))
}

/** Confirms an order the caller has locked (or made in this transaction). */
export async function confirmDraft(ctx: Ctx, before: Order): Promise<Order> {
  const id = before.id
  assertTransition(before, 'confirm')
  if (before.lines.length === 0) {
    throw domainError('orders.no_lines', `Order ${before.number} has no lines to confirm`, {
      field: 'lines',
      order: id,
    })
  }
  const decision = await checkOrderCredit(ctx, await creditRequest(ctx, before))
  if (decision.outcome === 'hold') return putOnCreditHold(ctx, before, decision)
  return markConfirmed(ctx, before, 'confirmed', creditWhy(decision))
}

function creditWhy(decision: CreditDecision): Record<string, unknown> {
  return { credit: creditCheckView(decision) }
}

async function markConfirmed(
  ctx: Ctx,
  before: Order,
  action: 'confirmed' | 'hold_released',
  why: Record<string, unknown>,
): Promise<Order> {
  await ctx.db
    .updateTable('salesOrder')
    .set({
      status: 'confirmed',
      confirmedAt: ctx.now,
      updatedAt: ctx.now,
      version: before.version + 1,
    })
    .where('id', '=', before.id)
    .execute()
  const after = await loadOrder(ctx, before.id)
  await recordConfirmed(ctx, before, after, action, why)
  return after
}

/** The audit event and order.confirmed, for an order that went from `before` to `after`. */
async function recordConfirmed(
  ctx: Ctx,
  before: Order,
  after: Order,
  action: 'confirmed' | 'hold_released',
  why: Record<string, unknown>,
): Promise<void> {
  await recordAudit(ctx, {
    entityType: 'order',
    entityId: before.id,
    action,
    before: { status: before.status, version: before.version },
    after: { status: after.status, version: after.version, ...why },
  })
  await emitEvent(ctx, {
    type: 'order.confirmed',
    entityType: 'order',
    entityId: before.id,
    payload: {
      ...orderEventPayload(after),
      requires_prepayment: after.requiresPrepayment,
      after_credit_hold: action === 'hold_released',
    },
  })
}

async function putOnCreditHold(ctx: Ctx, before: Order, decision: CreditDecision): Promise<Order> {
  assertTransition(before, 'hold')
  const creditHold = await insertCreditHold(ctx, before.id, decision)
  const changes = {
    status: 'credit_hold' as const,
    updatedAt: ctx.now,
    version: before.version + 1,
  }
  await ctx.db.updateTable('salesOrder').set(changes).where('id', '=', before.id).execute()
  const after: Order = { ...before, ...changes, creditHold }
  await recordCreditHold(ctx, before, after, creditHold)
  return after
}

/** Stores the hold of an order with the credit check's reasons; returns it as on the order. */
async function insertCreditHold(
  ctx: Ctx,
  orderId: string,
  decision: CreditDecision,
): Promise<CreditHold> {
  const reasons: CreditHoldReason[] = decision.reasons.map((r) => ({
    code: r.code,
    detail: r.detail,
  }))
  const creditCheck = creditCheckView(decision)
  await ctx.db
    .insertInto('orderCreditHold')
    .values({
      tenantId: ctx.tenantId,
      id: newId(),
      orderId,
      reasons: JSON.stringify(reasons),
      creditCheck: JSON.stringify(creditCheck),
      heldAt: ctx.now,
      outcome: null,
      decidedAt: null,
      decidedById: null,
      decidedByName: null,
      decisionReason: null,
    })
    .execute()
  return {
    reasons,
    creditCheck,
    heldAt: ctx.now,
    outcome: null,
    decidedAt: null,
    decidedBy: null,
    decisionReason: null,
  }
}

/** The audit event and order.credit_hold, for an order that went from `before` to held. */
async function recordCreditHold(
  ctx: Ctx,
  before: Order,
  after: Order,
  { reasons, creditCheck }: CreditHold,
): Promise<void> {
  await recordAudit(ctx, {
    entityType: 'order',
    entityId: before.id,
    action: 'credit_hold',
    before: { status: before.status, version: before.version },
    after: { status: after.status, version: after.version, reasons, credit: creditCheck },
  })
  await emitEvent(ctx, {
    type: 'order.credit_hold',
    entityType: 'order',
    entityId: before.id,
    payload: { ...orderEventPayload(after), reasons },
  })
}

/** What the credit module saw, as readable amounts in the limit's currency. */
function creditCheckView(decision: CreditDecision): Record<string, unknown> {
  const amount = (minor: bigint | null) =>
    minor === null ? null : formatAmount(minor, decision.currency)
  return {
    outcome: decision.outcome,
    currency: decision.currency,
    limit: amount(decision.limitMinor),
    exposure: amount(decision.exposureMinor),
    group_limit: amount(decision.groupLimitMinor),
    group_exposure: amount(decision.groupExposureMinor),
    checked_at: decision.checkedAt.toISOString(),
  }
}

export type HoldDecision = { reason: string }

/** A credit analyst lets a held order go ahead: it becomes confirmed. */
export async function releaseCreditHold(
  ctx: Ctx,
  id: string,
  decision: HoldDecision,
): Promise<Order> {
  const reason = requireReason(decision.reason)
  const before = await loadOrder(ctx, id, { forUpdate: true })
  assertTransition(before, 'release_hold')
  await decideHold(ctx, id, 'released', reason)
  const confirmed = await markConfirmed(ctx, before, 'hold_released', {
    reason,
    decidedBy: ctx.actor.name,
  })
  await emitEvent(ctx, {
    type: 'order.hold_released',
    entityType: 'order',
    entityId: id,
    payload: { ...orderEventPayload(confirmed), reason, decided_by: ctx.actor.name },
  })
  return confirmed
}

/** A credit analyst refuses a held order: it is cancelled with the analyst's reason. */
export async function rejectCreditHold(
  ctx: Ctx,
  id: string,
  decision: HoldDecision,
): Promise<Order> {
  const reason = requireReason(decision.reason)
  const before = await loadOrder(ctx, id, { forUpdate: true })
  assertTransition(before, 'reject_hold')
  await decideHold(ctx, id, 'rejected', reason)
  return closeAsCancelled(ctx, before, reason, 'hold_rejected')
}

function requireReason(text: string): string {
  const reason = text.trim()
  if (reason === '') {
    throw invalid([{ field: 'reason', message: 'is required: say why, for the audit trail' }])
  }
  if (reason.length > 1000) {
    throw invalid([{ field: 'reason', message: 'must be at most 1000 characters' }])
  }
  return reason
}

async function decideHold(
  ctx: Ctx,
  orderId: string,
  outcome: 'released' | 'rejected',
  reason: string,
): Promise<void> {
  await ctx.db
    .updateTable('orderCreditHold')
    .set({
      outcome,
      decidedAt: ctx.now,
      decidedById: ctx.actor.id,
      decidedByName: ctx.actor.name,
      decisionReason: reason,
    })
    .where('orderId', '=', orderId)
    .where('outcome', 'is', null)
    .executeTakeFirstOrThrow()
}

export type OrderOnHold = {
  id: string
  number: number
  customerId: string
  customerReference: string
  currency: string
  grossMinor: bigint
  requiresPrepayment: boolean
  reasons: CreditHoldReason[]
  creditCheck: Record<string, unknown>
  heldAt: Date
  version: number
}

/** The credit analyst's list: orders waiting on a credit decision, oldest first, with reasons. */
export async function creditHolds(
  ctx: Ctx,
  filter: { customerId?: string; reason?: string; cursor?: string; limit?: number },
): Promise<Page<OrderOnHold>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('salesOrder as o')
    .innerJoin('orderCreditHold as h', 'h.orderId', 'o.id')
    .select([
      'o.id',
      'o.number',
      'o.customerId',
      'o.customerReference',
      'o.currency',
      'o.grossMinor',
      'o.requiresPrepayment',
      'h.reasons',
      'h.creditCheck',
      'h.heldAt',
      'o.version',
    ])
    .where('o.status', '=', 'credit_hold')
    .where('h.outcome', 'is', null)
    .orderBy('o.id')
    .limit(limit + 1)
  if (after) query = query.where('o.id', '>', after)
  if (filter.customerId) query = query.where('o.customerId', '=', filter.customerId)
  if (filter.reason) {
    query = query.where(
      sql<boolean>`h.reasons @> ${JSON.stringify([{ code: filter.reason }])}::jsonb`,
    )
  }
  const rows = await query.execute()
  return toPage(
    rows.map((r) => ({
      ...r,
      reasons: r.reasons as CreditHoldReason[],
      creditCheck: r.creditCheck as Record<string, unknown>,
    })),
    limit,
  )
}
