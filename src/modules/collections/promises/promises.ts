import { sql } from 'kysely'
import { addDays, type CalendarDate, calendarDateAt } from '../../../core/dates.js'
import { domainError, invalid, notFound } from '../../../core/errors.js'
import { newId } from '../../../core/ids.js'
import { formatAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { emitEvent } from '../../outbox/index.js'
import { queueCustomerNotice } from '../notices.js'
import type { PromiseChannel, PromiseStatus } from '../tables.js'
import './errors.js'
import { type HoldableItem, lockHoldableItems } from './held-items.js'
import { promiseConfirmedText } from './notice-text.js'
import { promiseAndPlanSettings } from './settings.js'

// A promise to pay: the customer says it will pay an amount by a date. While it is active, its
// items are held from dunning; reviewPromisesAndPlans (review.ts) closes it as kept when the
// money arrives, or as broken when the date plus grace passes without it.

export type PromiseInput = {
  customerId: string
  /** The open items the promise covers; the amount is spread over them oldest first. */
  invoiceIds: readonly string[]
  amountMinor: bigint
  promisedOn: CalendarDate
  channel: PromiseChannel
  note?: string
}

/** Records a promise to pay: validated (not in the past, not above what is open), audited. */
export async function makePromise(ctx: Ctx, input: PromiseInput): Promise<{ id: string }> {
  if (input.amountMinor <= 0n) throw invalid([{ field: 'amount', message: 'must be above 0' }])
  if (input.note !== undefined && input.note.length > 2000) {
    throw invalid([{ field: 'note', message: 'at most 2000 characters' }])
  }
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  if (input.promisedOn < today) {
    throw domainError(
      'collections.promise_in_past',
      `The promised date ${input.promisedOn} is before today (${today})`,
      { field: 'promised_on', promised_on: input.promisedOn, today },
    )
  }
  const settings = await promiseAndPlanSettings(ctx)
  const latest = addDays(today, settings.promiseMaxDays)
  if (input.channel === 'pay_page' && input.promisedOn > latest) {
    throw domainError(
      'collections.promise_too_far',
      `The pay page accepts promises up to ${settings.promiseMaxDays} days ahead (${latest}); ${input.promisedOn} is later`,
      { field: 'promised_on', promised_on: input.promisedOn, latest },
    )
  }
  const held = await lockHoldableItems(ctx, input.customerId, input.invoiceIds)
  if (input.amountMinor > held.openMinor) {
    throw domainError(
      'collections.promise_exceeds_open',
      `${formatAmount(input.amountMinor, held.currency)} ${held.currency} is more than the ${formatAmount(held.openMinor, held.currency)} ${held.currency} open on the items`,
      {
        field: 'amount',
        amount: formatAmount(input.amountMinor, held.currency),
        open_amount: formatAmount(held.openMinor, held.currency),
      },
    )
  }

  const id = newId()
  const shares = spreadOldestFirst(input.amountMinor, held.items)
  await ctx.db
    .insertInto('promiseToPay')
    .values({
      tenantId: ctx.tenantId,
      id,
      customerId: input.customerId,
      amountMinor: input.amountMinor,
      currency: held.currency,
      promisedOn: input.promisedOn,
      channel: input.channel,
      note: input.note ?? null,
      madeAt: ctx.now,
      madeBy: ctx.actor.name,
      closedAt: null,
    })
    .execute()
  await ctx.db
    .insertInto('promiseToPayItem')
    .values(
      shares.map((s) => ({
        tenantId: ctx.tenantId,
        promiseId: id,
        invoiceId: s.invoiceId,
        amountMinor: s.amountMinor,
      })),
    )
    .execute()
  const after = {
    customer_id: input.customerId,
    amount: formatAmount(input.amountMinor, held.currency),
    currency: held.currency,
    promised_on: input.promisedOn,
    channel: input.channel,
    items: shares.map((s) => ({
      invoice_id: s.invoiceId,
      amount: formatAmount(s.amountMinor, held.currency),
    })),
  }
  await recordAudit(ctx, { entityType: 'promise_to_pay', entityId: id, action: 'made', after })
  await emitEvent(ctx, {
    type: 'collections.promise_made',
    entityType: 'promise_to_pay',
    entityId: id,
    payload: { promise_id: id, ...after },
  })
  await queueCustomerNotice(ctx, {
    customerId: input.customerId,
    kind: 'promise_confirmed',
    ...(held.items.length === 1 ? { invoiceId: held.items[0].invoiceId } : {}),
    ...promiseConfirmedText(held.language, {
      amountMinor: input.amountMinor,
      currency: held.currency,
      promisedOn: input.promisedOn,
      numbers: held.items.map((i) => i.number),
    }),
  })
  return { id }
}

/**
 * The promised amount over the items, oldest due first, each up to what is open on it. An item
 * the amount does not reach gets no share and so is not held: the promise does not cover it.
 */
export function spreadOldestFirst(
  amountMinor: bigint,
  items: readonly Pick<HoldableItem, 'invoiceId' | 'openMinor'>[],
): { invoiceId: string; amountMinor: bigint }[] {
  let left = amountMinor
  const shares: { invoiceId: string; amountMinor: bigint }[] = []
  for (const item of items) {
    // biome-ignore lint/complexity/useMathMinMax: Math.min does not take bigints
    const share = left < item.openMinor ? left : item.openMinor
    left -= share
    if (share > 0n) shares.push({ invoiceId: item.invoiceId, amountMinor: share })
  }
  return shares
}

export type PromiseView = {
  id: string
  customerId: string
  amountMinor: bigint
  paidMinor: bigint
  currency: string
  promisedOn: CalendarDate
  channel: PromiseChannel
  status: PromiseStatus
  note: string | null
  madeAt: Date
  madeBy: string
  closedAt: Date | null
  version: number
  items: { invoiceId: string; number: string; amountMinor: bigint }[]
}

const listLimitMax = 500

/** Promises, newest first, by customer and status. */
export async function listPromises(
  ctx: Ctx,
  filter: { customerId?: string; status?: PromiseStatus; id?: string; limit?: number } = {},
): Promise<PromiseView[]> {
  let query = ctx.db
    .selectFrom('promiseToPay')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .orderBy('madeAt', 'desc')
    .orderBy('id')
    .limit(Math.min(filter.limit ?? 100, listLimitMax))
  if (filter.id) query = query.where('id', '=', filter.id)
  if (filter.customerId) query = query.where('customerId', '=', filter.customerId)
  if (filter.status) query = query.where('status', '=', filter.status)
  const rows = await query.execute()
  if (rows.length === 0) return []
  const items = await ctx.db
    .selectFrom('promiseToPayItem as pi')
    .innerJoin('invoice as i', (j) =>
      j.onRef('i.tenantId', '=', 'pi.tenantId').onRef('i.id', '=', 'pi.invoiceId'),
    )
    .select(['pi.promiseId', 'pi.invoiceId', 'i.number', 'pi.amountMinor'])
    .where('pi.tenantId', '=', ctx.tenantId)
    .where(
      'pi.promiseId',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('i.dueDate')
    .execute()
  return rows.map(({ tenantId: _t, ...r }) => ({
    ...r,
    items: items
      .filter((i) => i.promiseId === r.id)
      .map((i) => ({ invoiceId: i.invoiceId, number: i.number ?? '', amountMinor: i.amountMinor })),
  }))
}

export async function getPromise(ctx: Ctx, id: string): Promise<PromiseView> {
  const [view] = await listPromises(ctx, { id })
  if (!view) throw notFound('promise_to_pay', id)
  return view
}

/** Withdraws an active promise (the customer changed its mind): its items return to dunning. */
export async function cancelPromise(
  ctx: Ctx,
  id: string,
  input: { reason?: string } = {},
): Promise<PromiseView> {
  const { rows } = await sql<{ status: PromiseStatus }>`
    select status from promise_to_pay where tenant_id = ${ctx.tenantId} and id = ${id}
    for update`.execute(ctx.db)
  if (!rows[0]) throw notFound('promise_to_pay', id)
  if (rows[0].status !== 'active') {
    throw domainError('collections.promise_not_active', `The promise is ${rows[0].status}`, {
      status: rows[0].status,
    })
  }
  await ctx.db
    .updateTable('promiseToPay')
    .set((eb) => ({ status: 'cancelled', closedAt: ctx.now, version: eb('version', '+', 1) }))
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', id)
    .execute()
  await recordAudit(ctx, {
    entityType: 'promise_to_pay',
    entityId: id,
    action: 'cancelled',
    before: { status: 'active' },
    after: { status: 'cancelled', reason: input.reason ?? null },
  })
  await emitEvent(ctx, {
    type: 'collections.promise_cancelled',
    entityType: 'promise_to_pay',
    entityId: id,
    payload: { promise_id: id, reason: input.reason ?? null },
  })
  return getPromise(ctx, id)
}
