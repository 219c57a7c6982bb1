import { type RawBuilder, sql } from 'kysely'
import type { CalendarDate } from '../../../core/dates.js'
import { formatAmount } from '../../../core/money.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { emitEvent } from '../../outbox/index.js'
import type { CustomerNotice, PromiseAndPlanReview } from '../contracts.js'
import { queueCustomerNotices } from './bulk-notices.js'
import { planBreachedText, promiseBrokenText } from './notice-text.js'
import { promiseAndPlanSettings } from './settings.js'

// What cash did to promises and plans, in a few set-based statements whatever their number:
//
// - A promise counts the payments (invoice_settlement of kind payment, reversals included)
//   on its items made since the promise. It is kept when they reach its amount, or when its
//   items are settled altogether (a credit note settles them too). It is broken when
//   promised_on + collection_settings.promise_grace_days has passed without that.
// - A plan's payments since it was made fill its instalments oldest first (paid_minor). It
//   is completed when every instalment is paid or its items are settled; breached when an
//   instalment is short beyond its due date plus the plan's grace days.
//
// A broken promise or breached plan simply stops holding its items: the dunning run holds only
// items under an active promise or plan, so they are dunned again from their level.

/**
 * The whole tenant as of a day, or only the promises and plans (ids) holding invoices that
 * were just paid.
 */
type Scope = { asOf?: CalendarDate; promiseIds?: string[]; planIds?: string[] }

/**
 * Closes kept promises and completed plans (their items are paid), breaks promises past their
 * date plus grace and breaches plans with an instalment late beyond grace, as of asOf. The
 * dunning run calls it first; cash application calls it after applying payments.
 */
export async function reviewPromisesAndPlans(
  ctx: Ctx,
  asOf: CalendarDate,
): Promise<PromiseAndPlanReview> {
  return review(ctx, { asOf })
}

/**
 * The part of the review that payments can trigger, for the promises and plans holding these
 * invoices only: kept promises close, instalments fill, paid plans complete. Nothing is broken
 * here (that is a matter of dates: the daily review). Cash application calls it in the
 * transaction that applied the payments, so a kept promise closes the moment its cash is seen.
 */
export async function reviewAfterPayments(
  ctx: Ctx,
  invoiceIds: readonly string[],
): Promise<PromiseAndPlanReview> {
  const none = { promisesKept: 0, promisesBroken: 0, plansCompleted: 0, plansBreached: 0 }
  if (invoiceIds.length === 0) return none
  // First what holds these invoices, from the invoices' side (by index, one statement): most
  // payments pay invoices under no promise or plan, and then nothing more is read.
  const ids = [...new Set(invoiceIds)]
  const { rows } = await sql<{ kind: 'promise' | 'plan'; id: string }>`
    select distinct 'promise' as kind, h.promise_id as id
    from unnest(${ids}::uuid[]) as g(id)
    join promise_to_pay_item h on h.tenant_id = ${ctx.tenantId} and h.invoice_id = g.id
    join promise_to_pay p on p.tenant_id = h.tenant_id and p.id = h.promise_id
    where p.status = 'active'
    union
    select distinct 'plan' as kind, h.plan_id as id
    from unnest(${ids}::uuid[]) as g(id)
    join payment_plan_item h on h.tenant_id = ${ctx.tenantId} and h.invoice_id = g.id
    join payment_plan p on p.tenant_id = h.tenant_id and p.id = h.plan_id
    where p.status = 'active'`.execute(ctx.db)
  if (rows.length === 0) return none
  return review(ctx, {
    promiseIds: rows.filter((r) => r.kind === 'promise').map((r) => r.id),
    planIds: rows.filter((r) => r.kind === 'plan').map((r) => r.id),
  })
}

async function review(ctx: Ctx, scope: Scope): Promise<PromiseAndPlanReview> {
  const promisesKept = await closeKeptPromises(ctx, scope)
  await fillInstalments(ctx, scope)
  const plansCompleted = await completePaidPlans(ctx, scope)
  let promisesBroken = 0
  let plansBreached = 0
  if (scope.asOf) {
    promisesBroken = await breakExpiredPromises(ctx, scope.asOf)
    plansBreached = await breachLatePlans(ctx, scope.asOf)
  }
  return { promisesKept, promisesBroken, plansCompleted, plansBreached }
}

/** Only the promises (or plans) the scope names, when it names them. */
function holding(scope: Scope, kind: 'promise' | 'plan') {
  const ids = kind === 'promise' ? scope.promiseIds : scope.planIds
  if (!ids) return sql``
  return sql`and p.id = any(${ids}::uuid[])`
}

/** Per active promise in scope (`p`): paid on its items since made, and whether all are settled. */
function measuredPromises(ctx: Ctx, where: RawBuilder<unknown>) {
  return sql`
    select p.id, coalesce(sum(x.paid_minor), 0)::bigint as paid_minor,
      bool_and(x.open_minor <= 0) as settled
    from promise_to_pay p
    join promise_to_pay_item pi on pi.tenant_id = p.tenant_id and pi.promise_id = p.id
    join invoice i on i.tenant_id = pi.tenant_id and i.id = pi.invoice_id
    cross join lateral (
      select i.payable_minor - coalesce(sum(st.amount_minor), 0) as open_minor,
        coalesce(sum(st.amount_minor)
          filter (where st.kind = 'payment' and st.created_at >= p.made_at), 0) as paid_minor
      from invoice_settlement st where st.tenant_id = i.tenant_id and st.invoice_id = i.id
    ) x
    where p.tenant_id = ${ctx.tenantId} and p.status = 'active' ${where}
    group by p.id`
}

type ClosedPromise = {
  id: string
  customerId: string
  amountMinor: bigint
  paidMinor: bigint
  currency: string
  promisedOn: CalendarDate
}

async function closeKeptPromises(ctx: Ctx, scope: Scope): Promise<number> {
  const { rows } = await sql<ClosedPromise>`
    with measured as (${measuredPromises(ctx, holding(scope, 'promise'))})
    update promise_to_pay p
    set status = 'kept', paid_minor = greatest(m.paid_minor, 0), closed_at = ${ctx.now},
      version = p.version + 1
    from measured m
    where p.tenant_id = ${ctx.tenantId} and p.id = m.id
      and (m.paid_minor >= p.amount_minor or m.settled)
    returning p.id, p.customer_id, p.amount_minor, p.paid_minor, p.currency, p.promised_on`.execute(
    ctx.db,
  )
  for (const p of rows) {
    const after = {
      status: 'kept',
      paid: formatAmount(BigInt(p.paidMinor), p.currency),
      amount: formatAmount(BigInt(p.amountMinor), p.currency),
    }
    await recordAudit(ctx, { entityType: 'promise_to_pay', entityId: p.id, action: 'kept', after })
    await emitEvent(ctx, {
      type: 'collections.promise_kept',
      entityType: 'promise_to_pay',
      entityId: p.id,
      payload: { promise_id: p.id, customer_id: p.customerId, ...after },
    })
  }
  return rows.length
}

async function breakExpiredPromises(ctx: Ctx, asOf: CalendarDate): Promise<number> {
  const { promiseGraceDays } = await promiseAndPlanSettings(ctx)
  const expired = sql`and p.promised_on + ${promiseGraceDays}::int < ${asOf}::date`
  const { rows } = await sql<ClosedPromise>`
    with measured as (${measuredPromises(ctx, expired)})
    update promise_to_pay p
    set status = 'broken', paid_minor = greatest(m.paid_minor, 0), closed_at = ${ctx.now},
      version = p.version + 1
    from measured m
    where p.tenant_id = ${ctx.tenantId} and p.id = m.id
    returning p.id, p.customer_id, p.amount_minor, p.paid_minor, p.currency, p.promised_on`.execute(
    ctx.db,
  )
  if (rows.length === 0) return 0
  // The customer's mark: how many promises it broke, and when last (the worklist ranks by it).
  const customers = rows.map((r) => r.customerId)
  await sql`
    insert into customer_collection (tenant_id, customer_id, broken_promises,
      last_broken_promise_on, updated_at)
    select ${ctx.tenantId}::uuid, c.customer_id, count(*)::int, ${asOf}::date, ${ctx.now}
    from unnest(${customers}::uuid[]) as c(customer_id)
    group by c.customer_id
    on conflict (tenant_id, customer_id) do update
    set broken_promises = customer_collection.broken_promises + excluded.broken_promises,
      last_broken_promise_on = greatest(customer_collection.last_broken_promise_on,
        excluded.last_broken_promise_on),
      updated_at = excluded.updated_at, version = customer_collection.version + 1`.execute(ctx.db)
  const languages = await languagesOf(ctx, customers)
  const notices: CustomerNotice[] = []
  for (const p of rows) {
    const after = {
      status: 'broken',
      paid: formatAmount(BigInt(p.paidMinor), p.currency),
      amount: formatAmount(BigInt(p.amountMinor), p.currency),
      promised_on: p.promisedOn,
      as_of: asOf,
    }
    await recordAudit(ctx, {
      entityType: 'promise_to_pay',
      entityId: p.id,
      action: 'broken',
      after,
    })
    await emitEvent(ctx, {
      type: 'collections.promise_broken',
      entityType: 'promise_to_pay',
      entityId: p.id,
      payload: { promise_id: p.id, customer_id: p.customerId, ...after },
    })
    notices.push({
      customerId: p.customerId,
      kind: 'promise_broken',
      ...promiseBrokenText(languages.get(p.customerId) ?? 'en', {
        amountMinor: BigInt(p.amountMinor),
        paidMinor: BigInt(p.paidMinor),
        currency: p.currency,
        promisedOn: p.promisedOn,
      }),
    })
  }
  await queueCustomerNotices(ctx, notices)
  return rows.length
}

/** Payments on a plan's items since it was made fill its instalments, oldest first. */
async function fillInstalments(ctx: Ctx, scope: Scope): Promise<void> {
  await sql`
    with paid as (
      select p.id, coalesce(sum(st.amount_minor)
          filter (where st.kind = 'payment' and st.created_at >= p.created_at), 0) as paid_minor
      from payment_plan p
      join payment_plan_item li on li.tenant_id = p.tenant_id and li.plan_id = p.id
      left join invoice_settlement st on st.tenant_id = li.tenant_id and st.invoice_id = li.invoice_id
      where p.tenant_id = ${ctx.tenantId} and p.status = 'active' ${holding(scope, 'plan')}
      group by p.id
    ), target as (
      select ins.plan_id, ins.position,
        least(ins.amount_minor, greatest(0, paid.paid_minor
          - (sum(ins.amount_minor) over (partition by ins.plan_id order by ins.position)
             - ins.amount_minor))) as paid_minor
      from payment_plan_instalment ins
      join paid on paid.id = ins.plan_id
      where ins.tenant_id = ${ctx.tenantId}
    )
    update payment_plan_instalment ins set paid_minor = target.paid_minor
    from target
    where ins.tenant_id = ${ctx.tenantId} and ins.plan_id = target.plan_id
      and ins.position = target.position and ins.paid_minor <> target.paid_minor`.execute(ctx.db)
}

async function completePaidPlans(ctx: Ctx, scope: Scope): Promise<number> {
  const { rows } = await sql<{
    id: string
    customerId: string
    totalMinor: bigint
    currency: string
  }>`
    update payment_plan p
    set status = 'completed', closed_at = ${ctx.now}, closed_reason = 'paid',
      version = p.version + 1
    where p.tenant_id = ${ctx.tenantId} and p.status = 'active' ${holding(scope, 'plan')}
      and (
        not exists (select 1 from payment_plan_instalment ins
          where ins.tenant_id = p.tenant_id and ins.plan_id = p.id
            and ins.paid_minor < ins.amount_minor)
        or not exists (select 1 from payment_plan_item li
          join invoice i on i.tenant_id = li.tenant_id and i.id = li.invoice_id
          where li.tenant_id = p.tenant_id and li.plan_id = p.id
            and i.payable_minor > (select coalesce(sum(st.amount_minor), 0)
              from invoice_settlement st
              where st.tenant_id = i.tenant_id and st.invoice_id = i.id)))
    returning p.id, p.customer_id, p.total_minor, p.currency`.execute(ctx.db)
  for (const p of rows) {
    const after = { status: 'completed', total: formatAmount(BigInt(p.totalMinor), p.currency) }
    await recordAudit(ctx, {
      entityType: 'payment_plan',
      entityId: p.id,
      action: 'completed',
      after,
    })
    await emitEvent(ctx, {
      type: 'collections.plan_completed',
      entityType: 'payment_plan',
      entityId: p.id,
      payload: { plan_id: p.id, customer_id: p.customerId, ...after },
    })
  }
  return rows.length
}

async function breachLatePlans(ctx: Ctx, asOf: CalendarDate): Promise<number> {
  const { rows } = await sql<{
    id: string
    customerId: string
    currency: string
    dueOn: CalendarDate
    openMinor: bigint
  }>`
    with late as (
      select distinct on (ins.plan_id) ins.plan_id, ins.due_on,
        ins.amount_minor - ins.paid_minor as open_minor
      from payment_plan_instalment ins
      join payment_plan p on p.tenant_id = ins.tenant_id and p.id = ins.plan_id
      where ins.tenant_id = ${ctx.tenantId} and p.status = 'active'
        and ins.paid_minor < ins.amount_minor and ins.due_on + p.grace_days < ${asOf}::date
      order by ins.plan_id, ins.position
    )
    update payment_plan p
    set status = 'breached', closed_at = ${ctx.now},
      closed_reason = 'instalment of ' || late.due_on::text || ' unpaid beyond grace',
      version = p.version + 1
    from late
    where p.tenant_id = ${ctx.tenantId} and p.id = late.plan_id
    returning p.id, p.customer_id, p.currency, late.due_on, late.open_minor`.execute(ctx.db)
  if (rows.length === 0) return 0
  const languages = await languagesOf(
    ctx,
    rows.map((r) => r.customerId),
  )
  const notices: CustomerNotice[] = []
  for (const p of rows) {
    const after = {
      status: 'breached',
      instalment_due_on: p.dueOn,
      instalment_open: formatAmount(BigInt(p.openMinor), p.currency),
      as_of: asOf,
    }
    await recordAudit(ctx, {
      entityType: 'payment_plan',
      entityId: p.id,
      action: 'breached',
      after,
    })
    await emitEvent(ctx, {
      type: 'collections.plan_breached',
      entityType: 'payment_plan',
      entityId: p.id,
      payload: { plan_id: p.id, customer_id: p.customerId, ...after },
    })
    notices.push({
      customerId: p.customerId,
      kind: 'plan_breached',
      ...planBreachedText(languages.get(p.customerId) ?? 'en', {
        currency: p.currency,
        dueOn: p.dueOn,
        openMinor: BigInt(p.openMinor),
      }),
    })
  }
  await queueCustomerNotices(ctx, notices)
  return rows.length
}

async function languagesOf(ctx: Ctx, customerIds: string[]): Promise<Map<string, 'nl' | 'en'>> {
  const rows = await ctx.db
    .selectFrom('customer')
    .select(['id', 'language'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', 'in', [...new Set(customerIds)])
    .execute()
  return new Map(rows.map((r) => [r.id, r.language === 'nl' ? 'nl' : 'en']))
}
