import { sql } from 'kysely'
import { calendarDateAt } from '../../../core/dates.js'
import { domainError, invalid, notFound } from '../../../core/errors.js'
import { formatAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { emitEvent } from '../../outbox/index.js'
import type { PayIntent, PlanStatus } from '../tables.js'

// What a collector records about a customer (customer_collection): do-not-dun with its reason,
// flags the policy rules read (key_account …), a chosen dunning policy, and the can't-pay /
// won't-pay classification. One row per customer, made on first write; version 0 means "none
// yet", so the first PUT sends If-Match "0".

export type CustomerCollection = {
  customerId: string
  doNotDun: boolean
  doNotDunReason: string | null
  flags: string[]
  dunningPolicyId: string | null
  payIntent: PayIntent | null
  payIntentNote: string | null
  payIntentAt: Date | null
  payIntentBy: string | null
  brokenPromises: number
  lastBrokenPromiseOn: string | null
  version: number
}

export async function getCustomerCollection(
  ctx: Ctx,
  customerId: string,
): Promise<CustomerCollection> {
  await requireCustomer(ctx, customerId)
  const row = await ctx.db
    .selectFrom('customerCollection')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('customerId', '=', customerId)
    .executeTakeFirst()
  if (!row) {
    return {
      customerId,
      doNotDun: false,
      doNotDunReason: null,
      flags: [],
      dunningPolicyId: null,
      payIntent: null,
      payIntentNote: null,
      payIntentAt: null,
      payIntentBy: null,
      brokenPromises: 0,
      lastBrokenPromiseOn: null,
      version: 0,
    }
  }
  const { tenantId: _t, updatedAt: _u, ...rest } = row
  return rest
}

export type CollectionFlagsInput = {
  doNotDun: boolean
  doNotDunReason?: string | null
  flags: readonly string[]
  dunningPolicyId?: string | null
}

const flagPattern = /^[a-z][a-z0-9_]{0,39}$/

/** Sets do-not-dun, flags and the chosen policy; If-Match version (0 for a customer without). */
export async function putCustomerCollection(
  ctx: Ctx,
  customerId: string,
  expectedVersion: number,
  input: CollectionFlagsInput,
): Promise<CustomerCollection> {
  await requireCustomer(ctx, customerId)
  const reason = input.doNotDunReason?.trim() || null
  if (input.doNotDun && !reason) {
    throw invalid([{ field: 'do_not_dun_reason', message: 'say why this customer is not dunned' }])
  }
  if (reason && reason.length > 500) {
    throw invalid([{ field: 'do_not_dun_reason', message: 'at most 500 characters' }])
  }
  const bad = input.flags.findIndex((f) => !flagPattern.test(f))
  if (bad >= 0) {
    throw invalid([
      { field: `flags[${bad}]`, message: 'lower-case letters, digits and _ (e.g. key_account)' },
    ])
  }
  if (input.dunningPolicyId) {
    const policy = await ctx.db
      .selectFrom('dunningPolicy')
      .select('id')
      .where('tenantId', '=', ctx.tenantId)
      .where('id', '=', input.dunningPolicyId)
      .executeTakeFirst()
    if (!policy) {
      throw invalid([{ field: 'dunning_policy_id', message: 'no dunning policy with this id' }])
    }
  }
  const before = await lockCustomerCollection(ctx, customerId, expectedVersion)
  const flags = [...new Set(input.flags)].sort()
  await upsert(ctx, customerId, {
    doNotDun: input.doNotDun,
    doNotDunReason: input.doNotDun ? reason : null,
    flags,
    dunningPolicyId: input.dunningPolicyId ?? null,
  })
  const after = await getCustomerCollection(ctx, customerId)
  await recordAudit(ctx, {
    entityType: 'customer_collection',
    entityId: customerId,
    action: 'updated',
    before: {
      do_not_dun: before.doNotDun,
      do_not_dun_reason: before.doNotDunReason,
      flags: before.flags,
      dunning_policy_id: before.dunningPolicyId,
    },
    after: {
      do_not_dun: after.doNotDun,
      do_not_dun_reason: after.doNotDunReason,
      flags: after.flags,
      dunning_policy_id: after.dunningPolicyId,
    },
  })
  return after
}

/** Records the collector's classification: can't pay (hardship), won't pay, or neither (null). */
export async function setPayIntent(
  ctx: Ctx,
  customerId: string,
  input: { payIntent: PayIntent | null; note?: string | null },
): Promise<CustomerCollection> {
  const note = input.note?.trim() || null
  if (note && note.length > 2000) {
    throw invalid([{ field: 'note', message: 'at most 2000 characters' }])
  }
  const before = await getCustomerCollection(ctx, customerId)
  await upsert(ctx, customerId, {
    payIntent: input.payIntent,
    payIntentNote: input.payIntent ? note : null,
    payIntentAt: input.payIntent ? ctx.now : null,
    payIntentBy: input.payIntent ? ctx.actor.name : null,
  })
  const after = await getCustomerCollection(ctx, customerId)
  await recordAudit(ctx, {
    entityType: 'customer_collection',
    entityId: customerId,
    action: 'pay_intent_set',
    before: { pay_intent: before.payIntent, note: before.payIntentNote },
    after: { pay_intent: after.payIntent, note: after.payIntentNote },
  })
  await emitEvent(ctx, {
    type: 'collections.pay_intent_set',
    entityType: 'customer',
    entityId: customerId,
    payload: { customer_id: customerId, pay_intent: after.payIntent },
  })
  return after
}

export async function requireCustomer(ctx: Ctx, customerId: string): Promise<void> {
  const found = await ctx.db
    .selectFrom('customer')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', customerId)
    .executeTakeFirst()
  if (!found) throw notFound('customer', customerId)
}

async function lockCustomerCollection(
  ctx: Ctx,
  customerId: string,
  expectedVersion: number,
): Promise<CustomerCollection> {
  await sql`select 1 from customer_collection
    where tenant_id = ${ctx.tenantId} and customer_id = ${customerId} for update`.execute(ctx.db)
  const current = await getCustomerCollection(ctx, customerId)
  if (current.version !== expectedVersion) {
    throw domainError(
      'request.stale_etag',
      `The collection settings of this customer were changed by someone else (now version ${current.version}); reload them and apply your change again`,
      { entity: 'customer_collection', id: customerId, currentVersion: current.version },
    )
  }
  return current
}

type CollectionChange = Partial<{
  doNotDun: boolean
  doNotDunReason: string | null
  flags: string[]
  dunningPolicyId: string | null
  payIntent: PayIntent | null
  payIntentNote: string | null
  payIntentAt: Date | null
  payIntentBy: string | null
}>

async function upsert(ctx: Ctx, customerId: string, change: CollectionChange): Promise<void> {
  await ctx.db
    .insertInto('customerCollection')
    .values({ tenantId: ctx.tenantId, customerId, updatedAt: ctx.now, ...change })
    .onConflict((oc) =>
      oc.columns(['tenantId', 'customerId']).doUpdateSet((eb) => ({
        ...change,
        updatedAt: ctx.now,
        version: eb('customerCollection.version', '+', 1),
      })),
    )
    .execute()
}

export type PayIntentReport = {
  classifications: {
    payIntent: PayIntent | 'unclassified'
    customers: number
    open: { currency: string; openMinor: bigint }[]
  }[]
  plans: { status: PlanStatus; plans: number; totals: { currency: string; totalMinor: bigint }[] }[]
}

/**
 * Can't pay / won't pay, reportable: per classification the customers with something open
 * and what they have open (per currency); unclassified are the other customers with overdue
 * items. And the payment plans per status. Two grouped statements.
 */
export async function payIntentReport(ctx: Ctx): Promise<PayIntentReport> {
  const today = calendarDateAt(ctx.now, ctx.timeZone)
  const { rows } = await sql<{
    payIntent: PayIntent | null
    currency: string
    customers: string
    openMinor: string
  }>`
    with open_items as (
      select i.customer_id, i.currency, i.due_date,
        i.payable_minor - coalesce(sum(st.amount_minor), 0) as open_minor
      from invoice i
      left join invoice_settlement st on st.tenant_id = i.tenant_id and st.invoice_id = i.id
      where i.tenant_id = ${ctx.tenantId} and i.status = 'issued' and i.document_type = 'invoice'
      group by i.tenant_id, i.id
      having i.payable_minor - coalesce(sum(st.amount_minor), 0) > 0
    )
    select cc.pay_intent, o.currency, count(distinct o.customer_id)::text as customers,
      sum(o.open_minor)::text as open_minor
    from open_items o
    left join customer_collection cc
      on cc.tenant_id = ${ctx.tenantId} and cc.customer_id = o.customer_id
    where cc.pay_intent is not null or o.due_date < ${today}::date
    group by cc.pay_intent, o.currency
    order by cc.pay_intent nulls last, o.currency`.execute(ctx.db)
  const order: (PayIntent | 'unclassified')[] = ['cant_pay', 'wont_pay', 'unclassified']
  const classifications = order.map((payIntent) => {
    const own = rows.filter((r) => (r.payIntent ?? 'unclassified') === payIntent)
    return {
      payIntent,
      customers: own.reduce((n, r) => n + Number(r.customers), 0),
      open: own.map((r) => ({ currency: r.currency, openMinor: BigInt(r.openMinor) })),
    }
  })
  const plans = await sql<{ status: PlanStatus; currency: string; plans: string; total: string }>`
    select status, currency, count(*)::text as plans, sum(total_minor)::text as total
    from payment_plan where tenant_id = ${ctx.tenantId}
    group by status, currency order by status, currency`.execute(ctx.db)
  const statuses: PlanStatus[] = ['active', 'completed', 'breached', 'cancelled']
  return {
    classifications,
    plans: statuses.map((status) => {
      const own = plans.rows.filter((r) => r.status === status)
      return {
        status,
        plans: own.reduce((n, r) => n + Number(r.plans), 0),
        totals: own.map((r) => ({ currency: r.currency, totalMinor: BigInt(r.total) })),
      }
    }),
  }
}

/** An amount and currency as the API shows them. */
export function money(minor: bigint, currency: string): { amount: string; currency: string } {
  return { amount: formatAmount(minor, currency), currency }
}
