import { type RawBuilder, sql } from 'kysely'
import type { CalendarDate } from '../../../core/dates.js'

// The set-based heart of the dunning run: one statement finds, for the customers of a batch,
// every open item whose next step is due on the run date, with the reason it is held if it
// is. It is plain SQL (Kysely's builder would hide it) and its text is pinned in a snapshot
// test, so a change to it shows up as a SQL diff in review.
//
// In words, for the customers with ids in (after, upTo]:
// - open items: issued invoices whose payable amount less their settlements is above zero;
// - the policy: the item's own (dunning_item.policy_id, kept once dunning began), else the
//   customer's chosen one (customer_collection.dunning_policy_id), else the first active
//   policy by priority whose rule matches segment, risk class, open amount, attributes and
//   flags;
// - the next step: level + 1; a pre-due nudge is skipped once the item is due;
// - due: the due date + days (anchor due_date) or the last step's day + days
//   (anchor previous_step) is on or before the run date, and the item had no step today;
// - held: do-not-dun, recovery, an active promise or plan, direct debit (an active mandate
//   collects the item unless its debit came back), or a dispute that leaves nothing to dun.

export type BatchBounds = { after: string | null; upTo: string | null }

function customerRange(column: string, bounds: BatchBounds): RawBuilder<unknown> {
  const ref = sql.ref(column)
  const parts: RawBuilder<unknown>[] = []
  if (bounds.after !== null) parts.push(sql`${ref} > ${bounds.after}::uuid`)
  if (bounds.upTo !== null) parts.push(sql`${ref} <= ${bounds.upTo}::uuid`)
  return parts.length === 0 ? sql`true` : sql.join(parts, sql` and `)
}

/** The CTEs up to `classified`: one row per due item, `hold` null when it is to be dunned. */
export function dueItemsCte(
  tenantId: string,
  runDate: CalendarDate,
  bounds: BatchBounds,
): RawBuilder<unknown> {
  const t = sql`${tenantId}::uuid`
  const d = sql`${runDate}::date`
  return sql`
    cust as (
      select c.id as customer_id, c.segment, c.attributes, c.language,
             cp.risk_class::text as risk_class, coalesce(cc.flags, '{}') as flags,
             cc.dunning_policy_id, coalesce(cc.do_not_dun, false) as do_not_dun
      from customer c
      left join credit_profile cp on cp.tenant_id = c.tenant_id and cp.customer_id = c.id
      left join customer_collection cc on cc.tenant_id = c.tenant_id and cc.customer_id = c.id
      where c.tenant_id = ${t} and ${customerRange('c.id', bounds)}
    ),
    settled as (
      select st.invoice_id, sum(st.amount_minor) as settled_minor
      from invoice_settlement st
      join invoice i on i.tenant_id = st.tenant_id and i.id = st.invoice_id
      where st.tenant_id = ${t} and i.status = 'issued' and ${customerRange('i.customer_id', bounds)}
      group by st.invoice_id
    ),
    open_item as (
      select i.id as invoice_id, i.customer_id, i.currency, i.due_date,
             i.payable_minor - coalesce(s.settled_minor, 0) as open_minor
      from invoice i
      left join settled s on s.invoice_id = i.id
      where i.tenant_id = ${t} and i.status = 'issued' and i.document_type = 'invoice'
        and ${customerRange('i.customer_id', bounds)}
        and i.due_date <= ${d} + 60
        and i.payable_minor - coalesce(s.settled_minor, 0) > 0
    ),
    customer_open as (
      select customer_id, sum(open_minor) as open_total from open_item group by customer_id
    ),
    chosen as (
      select distinct on (cu.customer_id) cu.customer_id, p.id as policy_id
      from cust cu
      join customer_open co on co.customer_id = cu.customer_id
      join dunning_policy p on p.tenant_id = ${t} and p.active
      where p.id = cu.dunning_policy_id or (
        (not (p.rule ? 'segments') or (p.rule -> 'segments') ? cu.segment)
        and (not (p.rule ? 'risk_classes')
             or coalesce((p.rule -> 'risk_classes') ? cu.risk_class, false))
        and (not (p.rule ? 'min_open_minor')
             or co.open_total >= (p.rule ->> 'min_open_minor')::numeric)
        and (not (p.rule ? 'max_open_minor')
             or co.open_total <= (p.rule ->> 'max_open_minor')::numeric)
        and (not (p.rule ? 'attributes') or not exists (
              select 1 from jsonb_each(p.rule -> 'attributes') a
              where not coalesce(a.value ? (cu.attributes ->> a.key), false)))
        and (not (p.rule ? 'flags') or not exists (
              select 1 from jsonb_array_elements_text(p.rule -> 'flags') f(flag)
              where not (f.flag = any(cu.flags))))
      )
      order by cu.customer_id, (p.id = cu.dunning_policy_id) is true desc, p.priority, p.name
    ),
    item as (
      select o.invoice_id, o.customer_id, o.currency, o.due_date, o.open_minor,
             cu.segment, cu.language, cu.do_not_dun,
             coalesce(di.policy_id, ch.policy_id) as policy_id,
             coalesce(di.level, 0) as level, di.last_step_on, di.recovery_since
      from open_item o
      join cust cu on cu.customer_id = o.customer_id
      left join dunning_item di on di.tenant_id = ${t} and di.invoice_id = o.invoice_id
      left join chosen ch on ch.customer_id = o.customer_id
      where coalesce(di.policy_id, ch.policy_id) is not null
        and (di.last_step_on is null or di.last_step_on < ${d})
    ),
    due as (
      select it.*, s.position, s.channel, s.action, s.template_key
      from item it
      left join dunning_step first_step on first_step.tenant_id = ${t}
        and first_step.policy_id = it.policy_id and first_step.position = 1
      join dunning_step s on s.tenant_id = ${t} and s.policy_id = it.policy_id
        and s.position = it.level + 1 + case
          when it.level = 0 and first_step.action = 'pre_due_nudge' and it.due_date <= ${d}
          then 1 else 0 end
      where case s.anchor when 'due_date' then it.due_date + s.days
                          else it.last_step_on + s.days end <= ${d}
    ),
    disputed as (
      select dp.invoice_id, sum(dp.disputed_minor) as disputed_minor
      from dispute dp
      where dp.tenant_id = ${t} and dp.status in ('open', 'investigating')
        and dp.invoice_id in (select invoice_id from due)
      group by dp.invoice_id
    ),
    classified as (
      select du.*,
             du.open_minor - coalesce(ds.disputed_minor, 0) as dun_minor,
             case
               when du.do_not_dun then 'do_not_dun'
               when du.recovery_since is not null then 'recovery'
               when exists (
                 select 1 from promise_to_pay_item pi
                 join promise_to_pay pp on pp.tenant_id = pi.tenant_id and pp.id = pi.promise_id
                 where pi.tenant_id = ${t} and pi.invoice_id = du.invoice_id
                   and pp.status = 'active') then 'promise'
               when exists (
                 select 1 from payment_plan_item pl
                 join payment_plan pn on pn.tenant_id = pl.tenant_id and pn.id = pl.plan_id
                 where pl.tenant_id = ${t} and pl.invoice_id = du.invoice_id
                   and pn.status = 'active') then 'payment_plan'
               when exists (
                 select 1 from sepa_mandate m
                 where m.tenant_id = ${t} and m.customer_id = du.customer_id
                   and m.status = 'active')
                 and not exists (
                 select 1 from direct_debit_item x
                 where x.tenant_id = ${t} and x.invoice_id = du.invoice_id
                   and x.status = 'returned') then 'direct_debit'
               when du.open_minor - coalesce(ds.disputed_minor, 0) <= 0 then 'dispute'
             end as hold
      from due du
      left join disputed ds on ds.invoice_id = du.invoice_id
    )`
}

export type SendAfterByChannel = Record<'email' | 'sms' | 'whatsapp' | 'letter' | 'phone', Date>

export type WriteParams = {
  tenantId: string
  runId: string
  runDate: CalendarDate
  now: Date
  sendAfter: SendAfterByChannel
  /** The day a consumer's 14-day letter sent on the run date lets costs be charged. */
  costsChargeableFrom: CalendarDate
  jobKind: string
}

/**
 * The batch's writes, in the same statement: one message per customer, policy, step and
 * currency; a dunning_item_step per item (its key makes a step happen once); the items'
 * level moved on; a send job per message (letters wait for the print batch). Returns the
 * held counts and the messages made.
 */
export function writeDueSteps(p: WriteParams, bounds: BatchBounds): RawBuilder<BatchRow> {
  const t = sql`${p.tenantId}::uuid`
  const d = sql`${p.runDate}::date`
  const now = sql`${p.now.toISOString()}::timestamptz`
  const after = (channel: keyof SendAfterByChannel) =>
    sql`${p.sendAfter[channel].toISOString()}::timestamptz`
  return sql<BatchRow>`
    with ${dueItemsCte(p.tenantId, p.runDate, bounds)},
    -- A message id per customer, policy, step and currency, given to each of its items by a
    -- window rather than by joining the items to their messages: the planner cannot count
    -- the rows of these CTEs and would join them in a nested loop.
    -- (The id is drawn per row first: a volatile call inside the window would be drawn anew
    -- for every row.)
    drawn as (
      select c.*, o2c_uuid_v7() as drawn_id from classified c where hold is null
    ),
    keyed as (
      select d.*, first_value(drawn_id) over (
               partition by customer_id, policy_id, position, currency) as message_id
      from drawn d
    ),
    grp as (
      select message_id, customer_id, policy_id, position, currency, channel, action,
             template_key,
             case when language in ('nl', 'en') then language else 'en' end as language,
             case when segment = 'consumer' then 'consumer' else 'business' end as audience,
             sum(dun_minor) as open_minor, count(*) as item_count
      from keyed
      group by message_id, customer_id, policy_id, position, currency, channel, action,
               template_key, language, segment
    ),
    -- No "on conflict": a batch is one transaction and an item has one step a day, so a
    -- message of the run that exists already is a bug, and the run stops on it.
    msg as (
      insert into dunning_message (tenant_id, id, run_id, customer_id, policy_id, step_position,
        channel, action, template_key, language, audience, currency, open_minor, item_count,
        status, send_after, created_at)
      select ${t}, message_id, ${p.runId}::uuid, customer_id, policy_id, position,
             channel, action, template_key, language, audience, currency, open_minor,
             item_count,
             case when channel = 'letter' then 'pending' else 'queued' end,
             case channel when 'email' then ${after('email')} when 'sms' then ${after('sms')}
               when 'whatsapp' then ${after('whatsapp')} when 'phone' then ${after('phone')}
               else ${after('letter')} end,
             ${now}
      from grp
      returning id, customer_id, channel, action, item_count, send_after
    ),
    done as (
      select k.*, k.action as step_action from keyed k
    ),
    item_step as (
      insert into dunning_item_step (tenant_id, invoice_id, step_position, message_id,
        open_minor, done_on)
      select ${t}, invoice_id, position, message_id, dun_minor, ${d} from done
      returning invoice_id
    ),
    item_moved as (
      insert into dunning_item (tenant_id, invoice_id, customer_id, policy_id, level,
        last_step_on, last_message_id, costs_chargeable_from, recovery_since, updated_at)
      select ${t}, invoice_id, customer_id, policy_id, position, ${d}, message_id,
             case when step_action = 'fourteen_day_letter' and segment = 'consumer'
                   and due_date < ${d} then ${p.costsChargeableFrom}::date end,
             case when step_action = 'recovery_handover' then ${d} end,
             ${now}
      from done
      on conflict (tenant_id, invoice_id) do update set
        policy_id = excluded.policy_id, level = excluded.level,
        last_step_on = excluded.last_step_on, last_message_id = excluded.last_message_id,
        costs_chargeable_from = coalesce(excluded.costs_chargeable_from,
                                         dunning_item.costs_chargeable_from),
        recovery_since = coalesce(excluded.recovery_since, dunning_item.recovery_since),
        updated_at = excluded.updated_at
      returning invoice_id
    ),
    -- Not read below: PostgreSQL runs every data-modifying CTE to completion all the same.
    send_job as (
      insert into job (tenant_id, id, kind, payload, run_at)
      select ${t}, o2c_uuid_v7(), ${p.jobKind}, jsonb_build_object('messageId', m.id),
             m.send_after
      from msg m where m.channel <> 'letter'
      returning id
    )
    select 'held' as kind, hold as key, count(*)::int as n, null::uuid as message_id,
           null::uuid as customer_id, null::text as action
    from classified where hold is not null group by hold
    union all
    select 'items', null, (select count(*) from item_step)::int, null, null, null
    union all
    select 'message', channel, item_count, id, customer_id, action
    from msg`
}

export type BatchRow = {
  kind: 'held' | 'items' | 'message'
  key: string | null
  n: number
  messageId: string | null
  customerId: string | null
  action: string | null
}

/** What a dry run would send, per customer and step, for the batch. */
export function planDueSteps(
  tenantId: string,
  runDate: CalendarDate,
  bounds: BatchBounds,
): RawBuilder<PlanRow> {
  return sql<PlanRow>`
    with ${dueItemsCte(tenantId, runDate, bounds)}
    select hold, customer_id, policy_id, position, channel, action, template_key, currency,
           count(*)::int as item_count, sum(dun_minor)::text as open_minor
    from classified
    group by hold, customer_id, policy_id, position, channel, action, template_key, currency
    order by customer_id, position`
}

// Column names come back in camelCase (the store's Kysely runs the CamelCasePlugin).
export type PlanRow = {
  hold: string | null
  customerId: string
  policyId: string
  position: number
  channel: string
  action: string
  templateKey: string
  currency: string
  itemCount: number
  openMinor: string
}
