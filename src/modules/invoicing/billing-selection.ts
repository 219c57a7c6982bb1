import { type RawBuilder, sql } from 'kysely'
import type { CalendarDate } from '../../core/dates.js'
import { type Decimal, decimalFromStore, lineNetMinor } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import type { VatCategory } from './document.js'
import type { BillingFrequency } from './tables.js'

// What may be billed now, chosen in SQL and in sets: the shipped and not yet invoiced
// shipment lines, each with the key of the invoice it belongs on. The orders module owns the
// shipment tables and the only way to mark lines invoiced (recordInvoicedQuantities, which
// also locks and re-checks them); this selection only reads them, joined with invoicing's own
// customer_billing, because a billing run must choose hundreds of thousands of lines in a
// few statements and not one order at a time (DESIGN.md: large work is set-based SQL).
//
// Orders billed whole (an invoice of origin 'order' or 'prepayment' names them) are never
// selected: their shipments count as invoiced (see billing.ts, shipmentsOfOrdersBilledWhole).

/** Which lines a selection takes and how it groups them into invoices. */
export type BillingScope =
  | {
      /** Bill as goods leave: per_shipment customers per shipment, per_order per shipped order. */
      kind: 'on_shipment'
      customerId?: string
      shippedTo?: CalendarDate
    }
  | {
      /** The consolidated run: one invoice per customer and currency over a period. */
      kind: 'consolidated'
      frequencies: readonly ('weekly' | 'monthly')[]
      periodEnd: CalendarDate
      customerId?: string
    }

export type BillableLine = {
  /** The invoice this line goes on: a shipment, an order, or a customer and currency. */
  groupKey: string
  customerId: string
  currency: string
  shipmentLineId: string
  shipmentId: string
  shippedOn: CalendarDate
  orderId: string
  orderNumber: number
  customerReference: string
  paymentTermsDays: number
  orderLineId: string
  itemCode: string
  description: string
  /** Shipped and not yet invoiced, as the store has it ('2.0000'). */
  quantityText: string
  quantity: Decimal
  unit: string
  unitPriceMinor: bigint
  discountPercent: Decimal
  vatCategory: VatCategory
  vatRate: Decimal
  netMinor: bigint
}

export type BillableGroup = {
  key: string
  customerId: string
  currency: string
  /** The customer's billing frequency (per_shipment when it has none set). */
  frequency: BillingFrequency
  lines: BillableLine[]
}

type Row = {
  groupKey: string
  frequency: BillingFrequency
  customerId: string
  currency: string
  shipmentLineId: string
  shipmentId: string
  shippedOn: string
  orderId: string
  orderNumber: number
  customerReference: string
  paymentTermsDays: number
  orderLineId: string
  itemCode: string
  description: string
  quantity: string
  unit: string
  unitPriceMinor: bigint
  discountPercent: string
  vatCategory: VatCategory
  vatRate: string
}

/**
 * The key of every invoice the selection would make now, in order: one statement over the
 * billable lines, once per run. A caller then reads the lines page by page (billableGroups),
 * each page through the keys' own columns and indexes, so a run of 100,000 invoices does not
 * walk all of what is still unbilled for every page.
 */
export async function billableGroupKeys(ctx: Ctx, scope: BillingScope): Promise<string[]> {
  const { rows } = await sql<{ groupKey: string }>`
    select distinct ${groupKeyOf(scope)} as group_key
    ${billableFrom(ctx, scope)}
    order by group_key`.execute(ctx.db)
  return rows.map((row) => row.groupKey)
}

/**
 * The billable lines of the given invoice keys (of billableGroupKeys), grouped. Lines billed
 * since the keys were listed have dropped out; a key with none left gives no group.
 */
export async function billableGroups(
  ctx: Ctx,
  scope: BillingScope,
  keys: readonly string[],
): Promise<BillableGroup[]> {
  if (keys.length === 0) return []
  const lines = shipmentLinesOfKeys(ctx, scope, keys)
  const { rows } = await sql<Row>`
    select ${groupKeyOf(scope)} as group_key, f.frequency, o.customer_id, o.currency,
      sl.id as shipment_line_id, sl.shipment_id,
      (s.shipped_at at time zone ${ctx.timeZone})::date as shipped_on, sl.order_id,
      o.number as order_number, o.customer_reference, o.payment_terms_days, sl.order_line_id,
      ol.item_code, ol.description, (sl.quantity - sl.invoiced_quantity)::text as quantity,
      ol.unit, ol.unit_price_minor, ol.discount_percent::text as discount_percent,
      ol.vat_category, ol.vat_rate::text as vat_rate
    ${billableFrom(ctx, scope, lines)}
      and ${groupKeyOf(scope)} = any(${[...keys]}::text[])
    order by group_key, o.number, ol.line_number, shipped_on, sl.id`.execute(ctx.db)
  const groups: BillableGroup[] = []
  for (const row of rows) {
    let group = groups.at(-1)
    if (!group || group.key !== row.groupKey) {
      group = {
        key: row.groupKey,
        customerId: row.customerId,
        currency: row.currency,
        frequency: row.frequency,
        lines: [],
      }
      groups.push(group)
    }
    group.lines.push(lineFromRow(row))
  }
  return groups
}

/** The invoice a line goes on: per customer and currency, or per shipment or order. */
function groupKeyOf(scope: BillingScope) {
  return scope.kind === 'consolidated'
    ? sql`o.customer_id::text || '/' || o.currency`
    : sql`case when f.frequency = 'per_order' then 'order/' || o.id::text
        else 'shipment/' || s.id::text end`
}

/**
 * The shipment lines the keys name, reached from the keys: the customers' orders, or the
 * shipments and orders, one index lookup each. Spelled as lateral lookups (offset 0 keeps
 * each one a lookup), because rows a bulk load wrote have no statistics yet (and PGlite
 * never gathers them): a join the planner could choose freely became a scan of every unbilled
 * line per page, quadratic in a run of 100,000 invoices.
 */
function shipmentLinesOfKeys(ctx: Ctx, scope: BillingScope, keys: readonly string[]) {
  const tenant = sql`${ctx.tenantId}::uuid`
  // The lines whose `column` is one of the ids k.id of `ids`.
  const linesOf = (column: 'order_id' | 'shipment_id', ids: RawBuilder<unknown>) => sql`
    select x.* from ${ids}
    cross join lateral (
      select * from shipment_line y
      where y.tenant_id = ${tenant} and y.${sql.raw(column)} = k.id offset 0) x`
  const given = (ids: string[]) => sql`unnest(${[...new Set(ids)]}::uuid[]) as k(id)`
  if (scope.kind === 'consolidated') {
    const customerIds = keys.map((key) => key.split('/')[0])
    const ordersOfCustomers = sql`unnest(${[...new Set(customerIds)]}::uuid[]) as c(id)
      cross join lateral (
        select so.id from sales_order so
        where so.tenant_id = ${tenant} and so.customer_id = c.id offset 0) k`
    return sql`(${linesOf('order_id', ordersOfCustomers)})`
  }
  const ids = (prefix: string) =>
    keys.filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length))
  return sql`(${linesOf('shipment_id', given(ids('shipment/')))}
    union ${linesOf('order_id', given(ids('order/')))})`
}

/** The shipped and not yet invoiced lines the scope takes, with their order and line. */
function billableFrom(ctx: Ctx, scope: BillingScope, lines = sql`shipment_line`) {
  const shippedBefore = shippedBeforeOf(scope)
  const frequencyFilter =
    scope.kind === 'on_shipment'
      ? sql`(f.frequency = 'per_shipment' or (f.frequency = 'per_order' and o.status = 'shipped'))`
      : sql`f.frequency = any(${[...scope.frequencies]}::text[])`
  return sql`
    from ${lines} sl
    join shipment s on s.tenant_id = sl.tenant_id and s.id = sl.shipment_id
    join sales_order o on o.tenant_id = sl.tenant_id and o.id = sl.order_id
    join sales_order_line ol on ol.tenant_id = sl.tenant_id and ol.id = sl.order_line_id
    left join customer_billing cb
      on cb.tenant_id = o.tenant_id and cb.customer_id = o.customer_id
    cross join lateral (
      select coalesce(cb.billing_frequency, 'per_shipment') as frequency) f
    where s.status in ('shipped', 'delivered')
      and sl.invoiced_quantity < sl.quantity
      and ${frequencyFilter}
      and (${scope.customerId ?? null}::uuid is null or o.customer_id = ${scope.customerId ?? null}::uuid)
      and (${shippedBefore}::date is null
        or s.shipped_at < (${shippedBefore}::date)::timestamp at time zone ${ctx.timeZone})
      and not exists (
        select 1 from invoice_line il
        join invoice i on i.tenant_id = il.tenant_id and i.id = il.invoice_id
        where il.tenant_id = sl.tenant_id and il.order_id = sl.order_id
          and i.origin in ('order', 'prepayment'))`
}

/** Shipped before the day after the period's (or the given) last day, in the tenant's zone. */
function shippedBeforeOf(scope: BillingScope): string | null {
  const last = scope.kind === 'consolidated' ? scope.periodEnd : scope.shippedTo
  if (!last) return null
  const next = new Date(`${last}T00:00:00Z`)
  next.setUTCDate(next.getUTCDate() + 1)
  return next.toISOString().slice(0, 10)
}

function lineFromRow(row: Row): BillableLine {
  const quantity = decimalFromStore(row.quantity)
  const discountPercent = decimalFromStore(row.discountPercent)
  return {
    groupKey: row.groupKey,
    customerId: row.customerId,
    currency: row.currency,
    shipmentLineId: row.shipmentLineId,
    shipmentId: row.shipmentId,
    shippedOn: row.shippedOn,
    orderId: row.orderId,
    orderNumber: row.orderNumber,
    customerReference: row.customerReference,
    paymentTermsDays: row.paymentTermsDays,
    orderLineId: row.orderLineId,
    itemCode: row.itemCode,
    description: row.description,
    quantityText: row.quantity,
    quantity,
    unit: row.unit,
    unitPriceMinor: row.unitPriceMinor,
    discountPercent,
    vatCategory: row.vatCategory,
    vatRate: decimalFromStore(row.vatRate),
    netMinor: lineNetMinor(quantity, row.unitPriceMinor, discountPercent),
  }
}
