import { sql } from 'kysely'
import { type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { invalid } from '../../../core/errors.js'
import type { Ctx } from '../../../db/context.js'

// Root causes of disputes for the dispute manager and the O2C director: the disputes opened
// in a period (by the tenant's calendar), grouped by category, by product and by customer.
//
// - disputes: how many; disputed: their amounts; credited: the credit notes that resolved them.
// - days to resolve: the average, over the resolved ones, of opened → closed in days.
// - dispute rate: invoices with a dispute opened in the period ÷ invoices issued in the period
//   (of the whole tenant for category and product, of the customer for a customer).
// - product: the invoice line's item code (invoice_line.item_code, with its description); a
//   dispute on the whole invoice counts under product null. A dispute over several lines
//   counts once per line. Its credit note is split over its lines in proportion to what each
//   line disputes, truncated to the cent, so a product's credited amount may be a cent under
//   its share; the category and customer figures are exact.
// Amounts are per currency: a group is (key, currency).

export type RootCauseRow = {
  disputes: number
  currency: string
  disputedMinor: bigint
  creditedMinor: bigint
  resolved: number
  averageDaysToResolve: number | null
  disputedInvoices: number
}

export type RootCauseReport = {
  from: CalendarDate
  to: CalendarDate
  invoicesIssued: number
  disputedInvoices: number
  disputeRate: number | null
  byCategory: (RootCauseRow & { category: string; disputeRate: number | null })[]
  byProduct: (RootCauseRow & { itemCode: string | null; description: string | null })[]
  byCustomer: (RootCauseRow & {
    customerId: string
    customerNumber: string | null
    customerName: string | null
    invoicesIssued: number
    disputeRate: number | null
  })[]
  byRootCause: { rootCause: string | null; disputes: number }[]
}

// A report is read by people: the longest lists are cut here.
const reportRowsMax = 500

export async function disputeRootCauses(
  ctx: Ctx,
  from: CalendarDate,
  to: CalendarDate,
): Promise<RootCauseReport> {
  if (!isCalendarDate(from)) throw invalid([{ field: 'from', message: 'must be YYYY-MM-DD' }])
  if (!isCalendarDate(to)) throw invalid([{ field: 'to', message: 'must be YYYY-MM-DD' }])
  if (to < from) throw invalid([{ field: 'to', message: 'must not be before from' }])
  const tz = ctx.timeZone
  const inPeriod = sql`d.tenant_id = ${ctx.tenantId}
    and (d.opened_at at time zone ${tz})::date between ${from}::date and ${to}::date`
  const figures = sql`count(*)::int as disputes,
    sum(d.disputed_minor)::bigint as disputed_minor,
    coalesce(sum(cn.payable_minor), 0)::bigint as credited_minor,
    count(*) filter (where d.status = 'resolved')::int as resolved,
    avg(extract(epoch from d.closed_at - d.opened_at) / 86400.0)
      filter (where d.status = 'resolved')::float8 as average_days,
    count(distinct d.invoice_id)::int as disputed_invoices`
  const creditNote = sql`left join invoice cn on cn.tenant_id = d.tenant_id and cn.id = d.credit_note_id`

  const issued = await sql<{ customerId: string; invoices: number }>`
    select customer_id, count(*)::int as invoices from invoice
    where tenant_id = ${ctx.tenantId} and status = 'issued' and document_type = 'invoice'
      and issue_date between ${from}::date and ${to}::date
    group by customer_id`.execute(ctx.db)
  const issuedByCustomer = new Map(issued.rows.map((r) => [r.customerId, Number(r.invoices)]))
  const invoicesIssued = issued.rows.reduce((sum, r) => sum + Number(r.invoices), 0)

  const totals = await sql<{ disputedInvoices: number }>`
    select count(distinct d.invoice_id)::int as disputed_invoices from dispute d
    where ${inPeriod}`.execute(ctx.db)
  const disputedInvoices = Number(totals.rows[0]?.disputedInvoices ?? 0)

  const byCategory = await sql<RawRow & { category: string }>`
    select d.category, d.currency, ${figures}
    from dispute d ${creditNote}
    where ${inPeriod}
    group by d.category, d.currency
    order by count(*) desc, d.category, d.currency
    limit ${reportRowsMax}`.execute(ctx.db)

  const byProduct = await sql<RawRow & { itemCode: string | null; description: string | null }>`
    select il.item_code, min(il.description) as description, d.currency,
      count(*)::int as disputes,
      sum(coalesce(dl.disputed_minor, d.disputed_minor))::bigint as disputed_minor,
      coalesce(sum(case when dl.disputed_minor is null then cn.payable_minor
        else cn.payable_minor * dl.disputed_minor / d.disputed_minor end), 0)::bigint
        as credited_minor,
      count(*) filter (where d.status = 'resolved')::int as resolved,
      avg(extract(epoch from d.closed_at - d.opened_at) / 86400.0)
        filter (where d.status = 'resolved')::float8 as average_days,
      count(distinct d.invoice_id)::int as disputed_invoices
    from dispute d ${creditNote}
    left join dispute_line dl on dl.tenant_id = d.tenant_id and dl.dispute_id = d.id
    left join invoice_line il on il.tenant_id = dl.tenant_id and il.invoice_id = dl.invoice_id
      and il.line_number = dl.line_number
    where ${inPeriod}
    group by il.item_code, d.currency
    order by count(*) desc, il.item_code nulls first, d.currency
    limit ${reportRowsMax}`.execute(ctx.db)

  const byCustomer = await sql<
    RawRow & { customerId: string; customerNumber: string | null; customerName: string | null }
  >`
    select d.customer_id, c.number as customer_number, c.legal_name as customer_name,
      d.currency, ${figures}
    from dispute d ${creditNote}
    join customer c on c.tenant_id = d.tenant_id and c.id = d.customer_id
    where ${inPeriod}
    group by d.customer_id, c.number, c.legal_name, d.currency
    order by sum(d.disputed_minor) desc, d.customer_id
    limit ${reportRowsMax}`.execute(ctx.db)

  const byRootCause = await sql<{ rootCause: string | null; disputes: number }>`
    select d.root_cause, count(*)::int as disputes from dispute d
    where ${inPeriod} and d.status in ('resolved', 'rejected')
    group by d.root_cause order by count(*) desc, d.root_cause limit ${reportRowsMax}`.execute(
    ctx.db,
  )

  const rate = (part: number, whole: number) => (whole > 0 ? round4(part / whole) : null)
  return {
    from,
    to,
    invoicesIssued,
    disputedInvoices,
    disputeRate: rate(disputedInvoices, invoicesIssued),
    byCategory: byCategory.rows.map((r) => ({
      category: r.category,
      ...figuresOf(r),
      disputeRate: rate(Number(r.disputedInvoices), invoicesIssued),
    })),
    byProduct: byProduct.rows.map((r) => ({
      itemCode: r.itemCode,
      description: r.itemCode === null ? null : r.description,
      ...figuresOf(r),
    })),
    byCustomer: byCustomer.rows.map((r) => {
      const customerIssued = issuedByCustomer.get(r.customerId) ?? 0
      return {
        customerId: r.customerId,
        customerNumber: r.customerNumber,
        customerName: r.customerName,
        ...figuresOf(r),
        invoicesIssued: customerIssued,
        disputeRate: rate(Number(r.disputedInvoices), customerIssued),
      }
    }),
    byRootCause: byRootCause.rows.map((r) => ({
      rootCause: r.rootCause,
      disputes: Number(r.disputes),
    })),
  }
}

type RawRow = {
  currency: string
  disputes: number
  disputedMinor: bigint | string
  creditedMinor: bigint | string
  resolved: number
  averageDays: number | null
  disputedInvoices: number
}

function figuresOf(r: RawRow): RootCauseRow {
  return {
    currency: r.currency,
    disputes: Number(r.disputes),
    disputedMinor: BigInt(r.disputedMinor),
    creditedMinor: BigInt(r.creditedMinor),
    resolved: Number(r.resolved),
    averageDaysToResolve: r.averageDays === null ? null : round4(Number(r.averageDays)),
    disputedInvoices: Number(r.disputedInvoices),
  }
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000
}
