import { sql } from 'kysely'
import { type CalendarDate, calendarDateAt } from '../../../core/dates.js'
import { invalid } from '../../../core/errors.js'
import { formatAmount } from '../../../core/money.js'
import { pageSizeDefault } from '../../../core/pagination.js'
import type { Ctx } from '../../../db/context.js'

// The collector's worklist (issue 7): every customer with overdue items (issued invoices past
// their due date with something open), ranked by what is at stake, each with the next action
// a collector should take and why. One set-based statement ranks all customers of the tenant
// (worklistQuery); the suggestion for the rows of a page is a pure function (suggestAction).
//
// The score (a ranking number, not money; README "Collector worklist" explains it):
//
//   score = actionable × age × risk × (1 + 0.25 × broken promises) × (1 − p)
//
//   actionable  the overdue amount in major units less what disputes, active promises and
//               active plans hold (a held euro needs no call today)
//   age         1 + days overdue of the oldest item / 30, at most 5
//   risk        credit_profile.risk_class: A 0.8, B 1.0, C 1.25, D 1.6, E 2.0, none 1.0
//   p           the predicted chance the customer pays without contact (chanceOfPayingSql)
//
// p comes from the newest payment_behaviour row of the credit module (its averages):
//
//   p = (paid on time + paid late × f + 1) / (paid + 2)
//   f = max(0, 1 − days overdue / (2 × average days late + 1))
//
// A customer who pays on time pays without contact; one who pays late usually still pays by
// themselves until the item is twice as late as they usually are; with no history p is ½
// (the +1/+2 keep a short history from saying 0 or 1). A customer a collector classified as
// can't pay (p × 0.5) or won't pay (p × 0.2) is less likely to pay unprompted.

export type WorklistAction =
  | 'call'
  | 'remind'
  | 'wait'
  | 'resolve_dispute'
  | 'propose_plan'
  | 'escalate'

export type WorklistRow = {
  customerId: string
  customerNumber: string
  customerName: string
  currency: string
  overdueMinor: bigint
  overdueItems: number
  oldestDueOn: CalendarDate
  daysOverdue: number
  disputedMinor: bigint
  openDisputes: number
  promisedMinor: bigint
  promiseActiveUntil: CalendarDate | null
  planActive: boolean
  planNextDueOn: CalendarDate | null
  actionableMinor: bigint
  riskClass: string | null
  brokenPromises: number
  lastBrokenPromiseOn: CalendarDate | null
  payIntent: 'cant_pay' | 'wont_pay' | null
  doNotDun: boolean
  chanceOfPaying: number
  score: number
  rank: number
}

export type WorklistSuggestion = { action: WorklistAction; reason: string }

export type WorklistFilter = {
  asOf?: CalendarDate
  riskClass?: string
  minOverdueMinor?: bigint
  customerId?: string
  /** Offset cursor from the previous page (the ranking is computed per request). */
  cursor?: string
  limit?: number
}

/** The worklist, best first, a page at a time (the cursor is the next rank). */
export async function collectorWorklist(
  ctx: Ctx,
  filter: WorklistFilter = {},
): Promise<{
  data: (WorklistRow & WorklistSuggestion)[]
  nextCursor: string | null
  asOf: string
}> {
  const asOf = filter.asOf ?? calendarDateAt(ctx.now, ctx.timeZone)
  const limit = filter.limit ?? pageSizeDefault
  const offset = decodeOffset(filter.cursor)
  // For this statement only (set local ends with the transaction): see worklistQuery.
  await sql`set local enable_nestloop = off`.execute(ctx.db)
  const { rows } = await worklistQuery(ctx, { ...filter, asOf, limit: limit + 1, offset }).execute(
    ctx.db,
  )
  await sql`set local enable_nestloop = on`.execute(ctx.db)
  const more = rows.length > limit
  const data = (more ? rows.slice(0, limit) : rows).map((raw, i) => {
    const row = rowOf(raw, offset + i + 1)
    return { ...row, ...suggestAction(row, asOf) }
  })
  return {
    data,
    nextCursor: more ? Buffer.from(`rank:${offset + limit}`).toString('base64url') : null,
    asOf,
  }
}

function decodeOffset(cursor: string | undefined): number {
  if (!cursor) return 0
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const match = /^rank:(\d{1,9})$/.exec(text)
  if (!match) throw invalid([{ field: 'cursor', message: 'is not a cursor this API handed out' }])
  return Number(match[1])
}

type RawRow = Record<string, unknown>

/** The one statement that ranks the tenant's customers; its SQL is pinned in a test. */
export function worklistQuery(
  ctx: Ctx,
  f: WorklistFilter & { asOf: CalendarDate; limit: number; offset: number },
) {
  const t = ctx.tenantId
  // Set-based: each table is read once for the tenant's overdue invoices and joined by hash
  // (collectorWorklist turns nested loops off for its statement: PGlite keeps no planner
  // statistics, and on its estimate of one row per step a nested loop over every customer
  // for every customer took 10 s for 1,000 customers; hash joins take milliseconds).
  return sql<RawRow>`
with due as (
  select i.id as invoice_id, i.customer_id, i.currency, i.due_date, i.payable_minor
  from invoice i
  where i.tenant_id = ${t} and i.status = 'issued' and i.document_type = 'invoice'
    and i.due_date < ${f.asOf}::date
    ${f.customerId ? sql`and i.customer_id = ${f.customerId}` : sql``}
), settled as (
  select st.invoice_id, sum(st.amount_minor)::bigint as settled_minor
  from invoice_settlement st join due on due.invoice_id = st.invoice_id
  where st.tenant_id = ${t}
  group by st.invoice_id
), open_overdue as (
  select due.*, due.payable_minor - coalesce(s.settled_minor, 0) as open_minor
  from due left join settled s on s.invoice_id = due.invoice_id
  where due.payable_minor - coalesce(s.settled_minor, 0) > 0
), disputed as (
  select d.invoice_id, sum(d.disputed_minor)::bigint as disputed_minor, count(*)::int as disputes
  from dispute d join open_overdue o on o.invoice_id = d.invoice_id
  where d.tenant_id = ${t} and d.status in ('open', 'investigating')
  group by d.invoice_id
), promised as (
  select pi.invoice_id, sum(pi.amount_minor)::bigint as promised_minor,
    max(p.promised_on) as promised_on
  from promise_to_pay_item pi
  join promise_to_pay p on p.tenant_id = pi.tenant_id and p.id = pi.promise_id
  join open_overdue o on o.invoice_id = pi.invoice_id
  where pi.tenant_id = ${t} and p.status = 'active'
  group by pi.invoice_id
), planned as (
  select pi.invoice_id, sum(pi.amount_minor)::bigint as planned_minor
  from payment_plan_item pi
  join payment_plan p on p.tenant_id = pi.tenant_id and p.id = pi.plan_id
  join open_overdue o on o.invoice_id = pi.invoice_id
  where pi.tenant_id = ${t} and p.status = 'active'
  group by pi.invoice_id
), items as (
  select o.customer_id, o.currency, o.due_date, o.open_minor,
    coalesce(d.disputed_minor, 0) as disputed_minor, coalesce(d.disputes, 0) as disputes,
    coalesce(pr.promised_minor, 0) as promised_minor, pr.promised_on,
    coalesce(pl.planned_minor, 0) as planned_minor,
    -- What disputes, promises and plans hold of the item, never more than is open.
    least(o.open_minor, coalesce(d.disputed_minor, 0) + coalesce(pr.promised_minor, 0)
      + coalesce(pl.planned_minor, 0)) as held_minor
  from open_overdue o
  left join disputed d on d.invoice_id = o.invoice_id
  left join promised pr on pr.invoice_id = o.invoice_id
  left join planned pl on pl.invoice_id = o.invoice_id
), per_customer as (
  select customer_id, currency, sum(open_minor)::bigint as overdue_minor,
    count(*)::int as overdue_items, min(due_date) as oldest_due_on,
    sum(disputed_minor)::bigint as disputed_minor, sum(disputes)::int as open_disputes,
    sum(promised_minor)::bigint as promised_minor, max(promised_on) as promise_active_until,
    sum(planned_minor)::bigint as planned_minor,
    sum(open_minor - held_minor)::bigint as actionable_minor
  from items group by customer_id, currency
), scored as (
  select pc.*, cu.number as customer_number, cu.legal_name as customer_name,
    (${f.asOf}::date - pc.oldest_due_on) as days_overdue,
    cp.risk_class, coalesce(cc.broken_promises, 0) as broken_promises,
    cc.last_broken_promise_on, cc.pay_intent, coalesce(cc.do_not_dun, false) as do_not_dun,
    ni.due_on as plan_next_due_on, (pc.planned_minor > 0 or ni.due_on is not null) as plan_active,
    (case when b.invoices_paid_count is null then 0.5
      else (b.invoices_paid_count - b.invoices_paid_late_count
        + b.invoices_paid_late_count * greatest(0.0, 1.0 - (${f.asOf}::date - pc.oldest_due_on)::float8
          / (2.0 * b.average_days_late + 1.0)) + 1.0) / (b.invoices_paid_count + 2.0)
      end)
      * (case cc.pay_intent when 'cant_pay' then 0.5 when 'wont_pay' then 0.2 else 1.0 end)
      as chance_of_paying
  from per_customer pc
  join customer cu on cu.tenant_id = ${t} and cu.id = pc.customer_id
  left join credit_profile cp on cp.tenant_id = ${t} and cp.customer_id = pc.customer_id
  left join customer_collection cc on cc.tenant_id = ${t} and cc.customer_id = pc.customer_id
  left join (
    select distinct on (pb.customer_id) pb.customer_id, pb.invoices_paid_count,
      pb.invoices_paid_late_count, pb.average_days_late
    from payment_behaviour pb where pb.tenant_id = ${t}
    order by pb.customer_id, pb.as_of desc
  ) b on b.customer_id = pc.customer_id
  left join (
    select p.customer_id, min(pi.due_on) as due_on
    from payment_plan p
    join payment_plan_instalment pi on pi.tenant_id = p.tenant_id and pi.plan_id = p.id
    where p.tenant_id = ${t} and p.status = 'active' and pi.paid_minor < pi.amount_minor
    group by p.customer_id
  ) ni on ni.customer_id = pc.customer_id
  where true
    ${f.riskClass ? sql`and cp.risk_class = ${f.riskClass}` : sql``}
    ${f.minOverdueMinor !== undefined ? sql`and pc.overdue_minor >= ${f.minOverdueMinor}` : sql``}
)
select *,
  (actionable_minor::float8 / 100.0)
    * least(1.0 + days_overdue / 30.0, 5.0)
    * (case risk_class when 'A' then 0.8 when 'B' then 1.0 when 'C' then 1.25
        when 'D' then 1.6 when 'E' then 2.0 else 1.0 end)
    * (1.0 + 0.25 * broken_promises)
    * (1.0 - chance_of_paying) as score
from scored
order by score desc, overdue_minor desc, customer_id
limit ${f.limit} offset ${f.offset}`
}

function rowOf(r: RawRow, rank: number): WorklistRow {
  const big = (v: unknown) => BigInt(v as string | bigint)
  const num = (v: unknown) => Number(v)
  const date = (v: unknown) =>
    v === null || v === undefined
      ? null
      : v instanceof Date
        ? v.toISOString().slice(0, 10)
        : String(v)
  return {
    customerId: r.customerId as string,
    customerNumber: r.customerNumber as string,
    customerName: r.customerName as string,
    currency: (r.currency as string).trim(),
    overdueMinor: big(r.overdueMinor),
    overdueItems: num(r.overdueItems),
    oldestDueOn: date(r.oldestDueOn) as string,
    daysOverdue: num(r.daysOverdue),
    disputedMinor: big(r.disputedMinor),
    openDisputes: num(r.openDisputes),
    promisedMinor: big(r.promisedMinor),
    promiseActiveUntil: date(r.promiseActiveUntil),
    planActive: Boolean(r.planActive),
    planNextDueOn: date(r.planNextDueOn),
    actionableMinor: big(r.actionableMinor),
    riskClass: (r.riskClass as string | null) ?? null,
    brokenPromises: num(r.brokenPromises),
    lastBrokenPromiseOn: date(r.lastBrokenPromiseOn),
    payIntent: (r.payIntent as WorklistRow['payIntent']) ?? null,
    doNotDun: Boolean(r.doNotDun),
    chanceOfPaying: Math.round(num(r.chanceOfPaying) * 1000) / 1000,
    score: Math.round(num(r.score) * 100) / 100,
    rank,
  }
}

// An item this many days overdue, or any item of a D or E customer, is worth a call.
const callAfterDays = 30
// A customer who pays by themselves this surely is left alone for now.
const waitWhenChanceAtLeast = 0.7

/**
 * The next action for a worklist row and the reason, in the collector's words. The first
 * rule that applies wins: what holds the money (a plan, a promise, a dispute), then what the
 * collector classified (can't pay, won't pay), then broken promises, then age and risk, then
 * the predicted chance of paying unprompted.
 */
export function suggestAction(row: WorklistRow, asOf: CalendarDate): WorklistSuggestion {
  const money = (minor: bigint) =>
    `${currencySign(row.currency)}${groupThousands(formatAmount(minor, row.currency))}`
  const overdue = `${money(row.overdueMinor)} overdue ${row.daysOverdue} days`
  if (row.actionableMinor === 0n) {
    if (row.promiseActiveUntil && row.promiseActiveUntil >= asOf) {
      return { action: 'wait', reason: `wait: promise active until ${row.promiseActiveUntil}` }
    }
    if (row.planActive) {
      return {
        action: 'wait',
        reason: `wait: payment plan active${row.planNextDueOn ? `, next instalment ${row.planNextDueOn}` : ''}`,
      }
    }
    if (row.openDisputes > 0) {
      return {
        action: 'resolve_dispute',
        reason: `dispute open: ${money(row.disputedMinor)} disputed, nothing else overdue`,
      }
    }
  }
  if (row.payIntent === 'cant_pay' && !row.planActive) {
    return { action: 'propose_plan', reason: `propose a plan: classified can't pay, ${overdue}` }
  }
  if (row.payIntent === 'wont_pay') {
    return { action: 'escalate', reason: `escalate: classified won't pay, ${overdue}` }
  }
  if (row.brokenPromises > 0 && row.lastBrokenPromiseOn) {
    return {
      action: 'call',
      reason: `call: ${overdue}, promise broken on ${row.lastBrokenPromiseOn}`,
    }
  }
  const disputeNote = row.openDisputes > 0 ? ` (${money(row.disputedMinor)} in dispute)` : ''
  if (row.daysOverdue >= callAfterDays || row.riskClass === 'D' || row.riskClass === 'E') {
    const risk = row.riskClass ? `, risk class ${row.riskClass}` : ''
    return { action: 'call', reason: `call: ${overdue}${risk}${disputeNote}` }
  }
  if (row.chanceOfPaying >= waitWhenChanceAtLeast) {
    return {
      action: 'wait',
      reason: `wait: usually pays without contact (${Math.round(row.chanceOfPaying * 100)}%), ${overdue}`,
    }
  }
  return { action: 'remind', reason: `remind: ${overdue}${disputeNote}` }
}

function currencySign(currency: string): string {
  return currency === 'EUR'
    ? '€'
    : currency === 'GBP'
      ? '£'
      : currency === 'USD'
        ? '$'
        : `${currency} `
}

function groupThousands(decimal: string): string {
  const [whole, fraction] = decimal.split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return fraction ? `${grouped}.${fraction}` : grouped
}
