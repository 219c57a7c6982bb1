import { sql } from 'kysely'
import { invalid, notFound } from '../../../core/errors.js'
import { isUuid } from '../../../core/ids.js'
import { formatAmount } from '../../../core/money.js'
import { decodeCursor, encodeCursor, pageSizeDefault } from '../../../core/pagination.js'
import type { Ctx } from '../../../db/context.js'

// A customer's timeline: every touch point in one place, newest first, read from where each
// is recorded (one statement, a union over the tables, ordered and paged in SQL):
//
//   invoice      invoice_event: issued, sent, delivered, bounced, opened, disputed …
//                (the paid/credited steps are left to the settlements below, which have amounts)
//   dunning      dunning_message: each reminder, letter, SMS, with its step and status
//   activity     collection_activity: calls and their outcome, notes, tasks, confirmations
//   promise      promise_to_pay: amount, date, channel, status
//   plan         payment_plan: total, status, source
//   dispute      dispute: opened (and closed, as its own entry)
//   payment      payment: money received
//   settlement   invoice_settlement of kind credit_note or write_off
//   charge       collection_charge: collection costs and interest charged

export type TimelineEntry = {
  id: string
  type:
    | 'invoice'
    | 'dunning'
    | 'activity'
    | 'promise'
    | 'plan'
    | 'dispute'
    | 'dispute_closed'
    | 'payment'
    | 'settlement'
    | 'charge'
  occurredAt: Date
  /** What happened, by type: the invoice step, the activity kind, the dispute status … */
  what: string
  invoiceId: string | null
  invoiceNumber: string | null
  currency: string | null
  amountMinor: bigint | null
  summary: string
  detail: Record<string, unknown>
}

export async function customerTimeline(
  ctx: Ctx,
  customerId: string,
  options: { cursor?: string; limit?: number; types?: readonly TimelineEntry['type'][] } = {},
): Promise<{ data: TimelineEntry[]; nextCursor: string | null }> {
  if (!isUuid(customerId)) throw notFound('customer', customerId)
  const customer = await ctx.db
    .selectFrom('customer')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', customerId)
    .executeTakeFirst()
  if (!customer) throw notFound('customer', customerId)
  const limit = options.limit ?? pageSizeDefault
  const after = decodeCursor(options.cursor)
  let before: { at: string; id: string } | undefined
  if (after) {
    const [at, id] = after.split('|')
    if (!at || !id || Number.isNaN(Date.parse(at))) {
      throw invalid([{ field: 'cursor', message: 'is not a cursor this API handed out' }])
    }
    before = { at, id }
  }
  const t = ctx.tenantId
  const c = customerId
  const { rows } = await sql<{
    id: string
    type: TimelineEntry['type']
    occurredAt: Date
    what: string
    invoiceId: string | null
    invoiceNumber: string | null
    currency: string | null
    amountMinor: string | bigint | null
    detail: Record<string, unknown> | null
  }>`
select * from (
  select e.id, 'invoice' as type, e.occurred_at, e.step as what, i.id as invoice_id,
    i.number as invoice_number, i.currency, case when e.step = 'issued' then i.payable_minor end
    as amount_minor, jsonb_build_object('channel', e.channel) || coalesce(e.detail, '{}'::jsonb)
    as detail
  from invoice i join invoice_event e on e.tenant_id = i.tenant_id and e.invoice_id = i.id
  where i.tenant_id = ${t} and i.customer_id = ${c}
    and e.step not in ('paid', 'partially_paid', 'credited', 'written_off')
  union all
  select m.id, 'dunning', m.created_at, m.action, null, null, m.currency, m.open_minor,
    jsonb_build_object('channel', m.channel, 'step', m.step_position, 'status', m.status,
      'items', m.item_count, 'template', m.template_key, 'sent_at', m.sent_at)
  from dunning_message m where m.tenant_id = ${t} and m.customer_id = ${c}
  union all
  select a.id, 'activity', a.occurred_at, a.kind, a.invoice_id, i.number, null, null,
    jsonb_build_object('outcome', a.outcome, 'note', a.note, 'task_status', a.task_status,
      'due_on', a.due_on, 'assigned_to', a.assigned_to, 'recorded_by', a.recorded_by)
  from collection_activity a
  left join invoice i on i.tenant_id = a.tenant_id and i.id = a.invoice_id
  where a.tenant_id = ${t} and a.customer_id = ${c}
  union all
  select p.id, 'promise', p.made_at, p.status, null, null, p.currency, p.amount_minor,
    jsonb_build_object('promised_on', p.promised_on, 'channel', p.channel, 'note', p.note,
      'made_by', p.made_by)
  from promise_to_pay p where p.tenant_id = ${t} and p.customer_id = ${c}
  union all
  select p.id, 'plan', p.created_at, p.status, null, null, p.currency, p.total_minor,
    jsonb_build_object('source', p.source, 'note', p.note, 'created_by', p.created_by)
  from payment_plan p where p.tenant_id = ${t} and p.customer_id = ${c}
  union all
  select d.id, 'dispute', d.opened_at, 'opened', d.invoice_id, i.number, d.currency,
    d.disputed_minor, jsonb_build_object('number', d.number, 'category', d.category,
      'status', d.status, 'opened_via', d.opened_via, 'description', d.description)
  from dispute d join invoice i on i.tenant_id = d.tenant_id and i.id = d.invoice_id
  where d.tenant_id = ${t} and d.customer_id = ${c}
  union all
  select d.id, 'dispute_closed', d.closed_at, d.status, d.invoice_id, i.number, d.currency,
    d.disputed_minor, jsonb_build_object('number', d.number, 'resolution_note',
      d.resolution_note, 'credit_note_id', d.credit_note_id, 'root_cause', d.root_cause)
  from dispute d join invoice i on i.tenant_id = d.tenant_id and i.id = d.invoice_id
  where d.tenant_id = ${t} and d.customer_id = ${c} and d.closed_at is not null
  union all
  select p.id, 'payment', p.created_at, p.method, null, null, p.currency, p.amount_minor,
    jsonb_build_object('received_on', p.received_on, 'source', p.source,
      'reference', p.reference, 'payer_name', p.payer_name)
  from payment p where p.tenant_id = ${t} and p.customer_id = ${c}
  union all
  select s.id, 'settlement', s.created_at, s.kind, i.id, i.number, s.currency, s.amount_minor,
    jsonb_build_object('settled_on', s.settled_on, 'source_type', s.source_type,
      'source_id', s.source_id)
  from invoice i join invoice_settlement s on s.tenant_id = i.tenant_id and s.invoice_id = i.id
  where i.tenant_id = ${t} and i.customer_id = ${c} and s.kind in ('credit_note', 'write_off')
  union all
  select ch.id, 'charge', ch.created_at, ch.kind, ch.invoice_id, i.number, ch.currency,
    ch.amount_minor, jsonb_build_object('charged_on', ch.charged_on, 'period_from',
      ch.period_from, 'period_to', ch.period_to)
  from collection_charge ch join invoice i on i.tenant_id = ch.tenant_id and i.id = ch.invoice_id
  where ch.tenant_id = ${t} and ch.customer_id = ${c}
) touch
where true
  ${options.types && options.types.length > 0 ? sql`and touch.type in (${sql.join(options.types)})` : sql``}
  ${before ? sql`and (touch.occurred_at, touch.id) < (${before.at}::timestamptz, ${before.id}::uuid)` : sql``}
order by touch.occurred_at desc, touch.id desc
limit ${limit + 1}`.execute(ctx.db)
  const more = rows.length > limit
  const data = (more ? rows.slice(0, limit) : rows).map((r) => {
    const entry = {
      id: r.id,
      type: r.type,
      occurredAt: new Date(r.occurredAt),
      what: r.what,
      invoiceId: r.invoiceId,
      invoiceNumber: r.invoiceNumber,
      currency: r.currency?.trim() ?? null,
      amountMinor: r.amountMinor === null ? null : BigInt(r.amountMinor),
      detail: stripNulls(r.detail ?? {}),
    }
    return { ...entry, summary: summaryOf(entry) }
  })
  const last = data[data.length - 1]
  return {
    data,
    nextCursor: more ? encodeCursor(`${last.occurredAt.toISOString()}|${last.id}`) : null,
  }
}

function stripNulls(detail: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== null))
}

/** One line a collector reads on the timeline. */
function summaryOf(e: Omit<TimelineEntry, 'summary'>): string {
  const amount =
    e.amountMinor !== null && e.currency
      ? `${e.currency} ${formatAmount(e.amountMinor, e.currency)}`
      : ''
  const d = e.detail
  const invoice = e.invoiceNumber ? `invoice ${e.invoiceNumber}` : ''
  switch (e.type) {
    case 'invoice':
      return [`${invoice} ${e.what}`, d.channel ? `via ${d.channel}` : '', amount]
        .filter(Boolean)
        .join(' ')
    case 'dunning':
      return `${e.what.replaceAll('_', ' ')} by ${d.channel} (step ${d.step}, ${d.items} item(s), ${amount} open): ${d.status}`
    case 'activity':
      return (
        e.what +
        (d.outcome ? ` (${d.outcome})` : '') +
        (d.task_status ? ` [${d.task_status}]` : '') +
        (d.note ? `: ${d.note}` : '')
      )
    case 'promise':
      return `promise to pay ${amount} by ${d.promised_on} via ${d.channel}: ${e.what}`
    case 'plan':
      return `payment plan of ${amount} (${d.source}): ${e.what}`
    case 'dispute':
      return `dispute ${d.number} opened on ${invoice}: ${d.category}, ${amount}`
    case 'dispute_closed':
      return `dispute ${d.number} ${e.what}${d.resolution_note ? `: ${d.resolution_note}` : ''}`
    case 'payment':
      return `payment received ${amount} (${e.what})`
    case 'settlement':
      return `${e.what.replaceAll('_', ' ')} ${amount} on ${invoice}`
    case 'charge':
      return `${e.what.replaceAll('_', ' ')} charged ${amount} on ${invoice}`
  }
}
