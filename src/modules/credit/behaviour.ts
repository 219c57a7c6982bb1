import { isCalendarDate } from '../../core/dates.js'
import { type FieldIssue, invalid } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { isCurrency } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { getCustomer } from '../customers/index.js'
import type { BehaviourFacts } from './scoring.js'

// Payment behaviour is fed by the stages that see payments: cash application (days late,
// share paid late), collections (open overdue, broken promises) and disputes. Each feeds a
// snapshot as of a date; a second snapshot for the same date replaces the first. The newest
// snapshot is what the internal score reads.

export type PaymentBehaviourSnapshot = BehaviourFacts

export type PaymentBehaviour = PaymentBehaviourSnapshot & {
  id: string
  customerId: string
  recordedAt: Date
}

function checkSnapshot(s: PaymentBehaviourSnapshot): FieldIssue[] {
  const issues: FieldIssue[] = []
  if (!isCalendarDate(s.asOf))
    issues.push({ field: 'as_of', message: 'is not a date (YYYY-MM-DD)' })
  const counts = {
    invoices_paid_count: s.invoicesPaidCount,
    invoices_paid_late_count: s.invoicesPaidLateCount,
    average_days_late: s.averageDaysLate,
    disputes_count: s.disputesCount,
    broken_promises_count: s.brokenPromisesCount,
  }
  for (const [field, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 0 || value > 2_000_000_000) {
      issues.push({ field, message: `${value} is not a whole number of 0 or more` })
    }
  }
  if (s.invoicesPaidLateCount > s.invoicesPaidCount) {
    issues.push({
      field: 'invoices_paid_late_count',
      message: `${s.invoicesPaidLateCount} is more than the ${s.invoicesPaidCount} invoices paid`,
    })
  }
  if (s.openOverdueMinor < 0n) {
    issues.push({ field: 'open_overdue', message: 'cannot be negative' })
  }
  if (!isCurrency(s.currency)) {
    issues.push({ field: 'currency', message: `${s.currency} is not an ISO 4217 currency` })
  }
  return issues
}

/**
 * Records a customer's payment behaviour as of a date (replacing one of the same date).
 *
 *   await recordPaymentBehaviour(ctx, customerId, { asOf: '2026-03-31',
 *     invoicesPaidCount: 20, invoicesPaidLateCount: 8, averageDaysLate: 18,
 *     openOverdueMinor: 120_000n, currency: 'EUR', disputesCount: 1, brokenPromisesCount: 0 })
 */
export async function recordPaymentBehaviour(
  ctx: Ctx,
  customerId: string,
  snapshot: PaymentBehaviourSnapshot,
): Promise<PaymentBehaviour> {
  const issues = checkSnapshot(snapshot)
  if (issues.length > 0) throw invalid(issues)
  await getCustomer(ctx, customerId)
  const before = await ctx.db
    .selectFrom('paymentBehaviour')
    .selectAll()
    .where('customerId', '=', customerId)
    .where('asOf', '=', snapshot.asOf)
    .forUpdate()
    .executeTakeFirst()
  const values = { ...snapshot, recordedAt: ctx.now }
  const row = await ctx.db
    .insertInto('paymentBehaviour')
    .values({ tenantId: ctx.tenantId, id: before?.id ?? newId(), customerId, ...values })
    .onConflict((oc) => oc.columns(['tenantId', 'customerId', 'asOf']).doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow()
  const { tenantId: _tenantId, ...after } = row
  await recordAudit(ctx, {
    entityType: 'payment_behaviour',
    entityId: after.id,
    action: before ? 'replaced' : 'recorded',
    before: before ?? null,
    after,
  })
  return after
}

/** The newest payment behaviour of a customer, if any was recorded. */
export async function latestPaymentBehaviour(
  ctx: Ctx,
  customerId: string,
): Promise<PaymentBehaviour | undefined> {
  const row = await ctx.db
    .selectFrom('paymentBehaviour')
    .selectAll()
    .where('customerId', '=', customerId)
    .orderBy('asOf', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (!row) return undefined
  const { tenantId: _tenantId, ...behaviour } = row
  return behaviour
}
