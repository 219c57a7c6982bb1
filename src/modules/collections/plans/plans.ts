import { sql } from 'kysely'
import { type CalendarDate, calendarDateAt, isCalendarDate } from '../../../core/dates.js'
import { domainError, invalid, notFound } from '../../../core/errors.js'
import { newId } from '../../../core/ids.js'
import { formatAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { emitEvent } from '../../outbox/index.js'
import { queueCustomerNotice } from '../notices.js'
import '../promises/errors.js'
import { DomainError } from '../../../core/errors.js'
import { lockHoldableItems, readHoldableItems } from '../promises/held-items.js'
import { planConfirmedText } from '../promises/notice-text.js'
import { promiseAndPlanSettings } from '../promises/settings.js'
import type { CollectionSource, PlanStatus } from '../tables.js'
import { offeredSchedules } from './schedule.js'

// A payment plan for a customer who cannot pay: its items' open total in instalments. While
// it is active the items are held from dunning; cash on the items fills the instalments
// oldest first (review.ts), a late instalment beyond grace breaches the plan.

export type InstalmentInput = { dueOn: CalendarDate; amountMinor: bigint }

export type PlanInput = {
  customerId: string
  invoiceIds: readonly string[]
  instalments: readonly InstalmentInput[]
  source: CollectionSource
  graceDays?: number
  note?: string
}

/** Creates a payment plan: instalments must add up to the open amount of its items. */
export async function createPaymentPlan(ctx: Ctx, input: PlanInput): Promise<{ id: string }> {
  checkInstalmentShape(ctx, input)
  const settings = await promiseAndPlanSettings(ctx)
  const graceDays = input.graceDays ?? settings.planGraceDays
  if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > 90) {
    throw invalid([{ field: 'grace_days', message: 'must be a whole number from 0 to 90' }])
  }
  if (input.source === 'pay_page') {
    if (input.instalments.length > settings.planMaxInstalments) {
      throw domainError(
        'collections.plan_too_many_instalments',
        `The pay page offers at most ${settings.planMaxInstalments} instalments; the plan has ${input.instalments.length}`,
        { field: 'instalments', max: settings.planMaxInstalments },
      )
    }
  }
  const held = await lockHoldableItems(ctx, input.customerId, input.invoiceIds)
  const sumMinor = input.instalments.reduce((sum, i) => sum + i.amountMinor, 0n)
  if (sumMinor !== held.openMinor) {
    throw domainError(
      'collections.plan_instalments_mismatch',
      `The instalments add up to ${formatAmount(sumMinor, held.currency)} ${held.currency}; the items have ${formatAmount(held.openMinor, held.currency)} ${held.currency} open`,
      {
        field: 'instalments',
        instalments_total: formatAmount(sumMinor, held.currency),
        open_amount: formatAmount(held.openMinor, held.currency),
      },
    )
  }
  if (input.source === 'pay_page') {
    const small = input.instalments.findIndex(
      (i) => i.amountMinor < settings.planMinInstalmentMinor,
    )
    if (small >= 0) {
      throw domainError(
        'collections.plan_instalment_too_small',
        `Instalment ${small + 1} is ${formatAmount(input.instalments[small].amountMinor, held.currency)}; the smallest the pay page offers is ${formatAmount(settings.planMinInstalmentMinor, held.currency)}`,
        {
          field: `instalments[${small}].amount`,
          min: formatAmount(settings.planMinInstalmentMinor, held.currency),
        },
      )
    }
  }

  const id = newId()
  await ctx.db
    .insertInto('paymentPlan')
    .values({
      tenantId: ctx.tenantId,
      id,
      customerId: input.customerId,
      currency: held.currency,
      totalMinor: held.openMinor,
      graceDays,
      source: input.source,
      note: input.note ?? null,
      createdAt: ctx.now,
      createdBy: ctx.actor.name,
      closedAt: null,
      closedReason: null,
    })
    .execute()
  await ctx.db
    .insertInto('paymentPlanItem')
    .values(
      held.items.map((i) => ({
        tenantId: ctx.tenantId,
        planId: id,
        invoiceId: i.invoiceId,
        amountMinor: i.openMinor,
      })),
    )
    .execute()
  await ctx.db
    .insertInto('paymentPlanInstalment')
    .values(
      input.instalments.map((i, k) => ({
        tenantId: ctx.tenantId,
        planId: id,
        position: k + 1,
        dueOn: i.dueOn,
        amountMinor: i.amountMinor,
      })),
    )
    .execute()
  const after = {
    customer_id: input.customerId,
    total: formatAmount(held.openMinor, held.currency),
    currency: held.currency,
    source: input.source,
    grace_days: graceDays,
    invoice_ids: held.items.map((i) => i.invoiceId),
    instalments: input.instalments.map((i) => ({
      due_on: i.dueOn,
      amount: formatAmount(i.amountMinor, held.currency),
    })),
  }
  await recordAudit(ctx, { entityType: 'payment_plan', entityId: id, action: 'created', after })
  await emitEvent(ctx, {
    type: 'collections.plan_created',
    entityType: 'payment_plan',
    entityId: id,
    payload: { plan_id: id, ...after },
  })
  await queueCustomerNotice(ctx, {
    customerId: input.customerId,
    kind: 'plan_confirmed',
    ...(held.items.length === 1 ? { invoiceId: held.items[0].invoiceId } : {}),
    ...planConfirmedText(held.language, {
      currency: held.currency,
      totalMinor: held.openMinor,
      instalments: input.instalments,
    }),
  })
  return { id }
}

/** Amounts above zero; dates real, ascending and not before today. */
function checkInstalmentShape(ctx: Ctx, input: PlanInput): void {
  if (input.instalments.length === 0) {
    throw invalid([{ field: 'instalments', message: 'name at least one instalment' }])
  }
  if (input.note !== undefined && input.note.length > 2000) {
    throw invalid([{ field: 'note', message: 'at most 2000 characters' }])
  }
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  input.instalments.forEach((instalment, k) => {
    if (instalment.amountMinor <= 0n) {
      throw invalid([{ field: `instalments[${k}].amount`, message: 'must be above 0' }])
    }
    if (!isCalendarDate(instalment.dueOn)) {
      throw invalid([{ field: `instalments[${k}].due_on`, message: 'must be a date YYYY-MM-DD' }])
    }
    const previous = input.instalments[k - 1]
    if (k === 0 && instalment.dueOn < today) {
      throw domainError(
        'collections.plan_dates_invalid',
        `The first instalment falls due on ${instalment.dueOn}, before today (${today})`,
        { field: 'instalments[0].due_on', today },
      )
    }
    if (previous && instalment.dueOn <= previous.dueOn) {
      throw domainError(
        'collections.plan_dates_invalid',
        `Instalment ${k + 1} falls due on ${instalment.dueOn}, not after instalment ${k} (${previous.dueOn})`,
        { field: `instalments[${k}].due_on` },
      )
    }
  })
}

/**
 * The plans the tenant's policy (collection_settings) lets a customer choose for these items
 * as of asOf: for each instalment count allowed, the schedule. Empty when none is allowed.
 */
export async function planOffers(
  ctx: Ctx,
  customerId: string,
  invoiceIds: readonly string[],
  asOf: CalendarDate,
): Promise<{ instalments: InstalmentInput[] }[]> {
  let held: Awaited<ReturnType<typeof readHoldableItems>>
  try {
    held = await readHoldableItems(ctx, customerId, invoiceIds, { lock: false })
  } catch (error) {
    // Items under a promise or plan already: nothing may be offered for them.
    if (error instanceof DomainError && error.code === 'collections.item_already_held') return []
    throw error
  }
  const settings = await promiseAndPlanSettings(ctx)
  return offeredSchedules(held.openMinor, asOf, {
    maxInstalments: settings.planMaxInstalments,
    minInstalmentMinor: settings.planMinInstalmentMinor,
  }).map((instalments) => ({ instalments }))
}

export type PlanView = {
  id: string
  customerId: string
  currency: string
  totalMinor: bigint
  paidMinor: bigint
  status: PlanStatus
  graceDays: number
  source: CollectionSource
  note: string | null
  createdAt: Date
  createdBy: string
  closedAt: Date | null
  closedReason: string | null
  version: number
  items: { invoiceId: string; number: string; amountMinor: bigint }[]
  instalments: {
    position: number
    dueOn: CalendarDate
    amountMinor: bigint
    paidMinor: bigint
    openMinor: bigint
  }[]
}

const listLimitMax = 500

/** Plans, newest first, with their items and instalments. */
export async function listPaymentPlans(
  ctx: Ctx,
  filter: { customerId?: string; status?: PlanStatus; id?: string; limit?: number } = {},
): Promise<PlanView[]> {
  let query = ctx.db
    .selectFrom('paymentPlan')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .limit(Math.min(filter.limit ?? 100, listLimitMax))
  if (filter.id) query = query.where('id', '=', filter.id)
  if (filter.customerId) query = query.where('customerId', '=', filter.customerId)
  if (filter.status) query = query.where('status', '=', filter.status)
  const plans = await query.execute()
  if (plans.length === 0) return []
  const ids = plans.map((p) => p.id)
  const items = await ctx.db
    .selectFrom('paymentPlanItem as li')
    .innerJoin('invoice as i', (j) =>
      j.onRef('i.tenantId', '=', 'li.tenantId').onRef('i.id', '=', 'li.invoiceId'),
    )
    .select(['li.planId', 'li.invoiceId', 'i.number', 'li.amountMinor'])
    .where('li.tenantId', '=', ctx.tenantId)
    .where('li.planId', 'in', ids)
    .orderBy('i.dueDate')
    .orderBy('i.number')
    .execute()
  const instalments = await ctx.db
    .selectFrom('paymentPlanInstalment')
    .select(['planId', 'position', 'dueOn', 'amountMinor', 'paidMinor'])
    .where('tenantId', '=', ctx.tenantId)
    .where('planId', 'in', ids)
    .orderBy('position')
    .execute()
  return plans.map(({ tenantId: _t, ...plan }) => {
    const own = instalments.filter((i) => i.planId === plan.id)
    return {
      ...plan,
      paidMinor: own.reduce((sum, i) => sum + BigInt(i.paidMinor), 0n),
      items: items
        .filter((i) => i.planId === plan.id)
        .map((i) => ({
          invoiceId: i.invoiceId,
          number: i.number ?? '',
          amountMinor: i.amountMinor,
        })),
      instalments: own.map((i) => ({
        position: i.position,
        dueOn: i.dueOn,
        amountMinor: i.amountMinor,
        paidMinor: BigInt(i.paidMinor),
        openMinor: i.amountMinor - BigInt(i.paidMinor),
      })),
    }
  })
}

export async function getPaymentPlan(ctx: Ctx, id: string): Promise<PlanView> {
  const [plan] = await listPaymentPlans(ctx, { id })
  if (!plan) throw notFound('payment_plan', id)
  return plan
}

/** Ends an active plan by agreement: its items return to dunning. */
export async function cancelPaymentPlan(
  ctx: Ctx,
  id: string,
  input: { reason?: string } = {},
): Promise<PlanView> {
  const { rows } = await sql<{ status: PlanStatus }>`
    select status from payment_plan where tenant_id = ${ctx.tenantId} and id = ${id}
    for update`.execute(ctx.db)
  if (!rows[0]) throw notFound('payment_plan', id)
  if (rows[0].status !== 'active') {
    throw domainError('collections.plan_not_active', `The payment plan is ${rows[0].status}`, {
      status: rows[0].status,
    })
  }
  if (input.reason !== undefined && input.reason.length > 500) {
    throw invalid([{ field: 'reason', message: 'at most 500 characters' }])
  }
  await ctx.db
    .updateTable('paymentPlan')
    .set((eb) => ({
      status: 'cancelled',
      closedAt: ctx.now,
      closedReason: input.reason ?? 'cancelled',
      version: eb('version', '+', 1),
    }))
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', id)
    .execute()
  await recordAudit(ctx, {
    entityType: 'payment_plan',
    entityId: id,
    action: 'cancelled',
    before: { status: 'active' },
    after: { status: 'cancelled', reason: input.reason ?? null },
  })
  await emitEvent(ctx, {
    type: 'collections.plan_cancelled',
    entityType: 'payment_plan',
    entityId: id,
    payload: { plan_id: id, reason: input.reason ?? null },
  })
  return getPaymentPlan(ctx, id)
}
