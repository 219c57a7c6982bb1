import { sql } from 'kysely'
import { domainError, type FieldIssue, invalid, notFound } from '../../core/errors.js'
import { type Decimal, decimalFromStore, lineNetMinor } from '../../core/money.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { emitEvent } from '../outbox/index.js'
import { loadOrder, lockOrders, type Order } from './order-store.js'
import { decimalText, quantityFromUnits, quantityScaleMax, quantityUnits } from './pricing.js'
import { orderEventPayload } from './service.js'
import { assertTransition } from './status.js'
import type { VatCategory } from './tables.js'

// What was shipped and not yet invoiced: the ground invoicing stands on. A shipped (or
// delivered) shipment line is uninvoiced for quantity - invoiced_quantity; invoicing bills
// it and calls recordInvoicedQuantities, which fills invoiced_quantity and moves an order
// whose every shipped unit is billed from shipped to invoiced.

export type UninvoicedShipmentLine = {
  shipmentLineId: string
  shipmentId: string
  shippedAt: Date
  customerId: string
  orderId: string
  orderNumber: number
  customerReference: string
  paymentTermsDays: number
  orderLineId: string
  lineNumber: number
  itemCode: string
  description: string
  /** Shipped and not yet invoiced. */
  quantity: Decimal
  unit: string
  currency: string
  unitPriceMinor: bigint
  discountPercent: Decimal
  vatCategory: VatCategory
  vatRate: Decimal
  /** lineNetMinor(quantity, unit price, discount): rounded once, for this quantity. */
  netMinor: bigint
}

export type UninvoicedFilter = {
  customerId?: string
  orderId?: string
  currency?: string
  /** Shipped on or before this calendar date (tenant time zone): what a billing run may take. */
  shippedTo?: string
  cursor?: string
  limit?: number
}

/**
 * Shipment lines shipped and not yet (fully) invoiced, oldest line first, one statement per
 * page. Invoicing builds its invoices from these rows and reports back with
 * recordInvoicedQuantities.
 *
 *   const page = await uninvoicedShipmentLines(ctx, { customerId, shippedTo: '2026-03-31' })
 */
export async function uninvoicedShipmentLines(
  ctx: Ctx,
  filter: UninvoicedFilter,
): Promise<Page<UninvoicedShipmentLine>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('shipmentLine as sl')
    .innerJoin('shipment as s', 's.id', 'sl.shipmentId')
    .innerJoin('salesOrderLine as ol', 'ol.id', 'sl.orderLineId')
    .innerJoin('salesOrder as o', 'o.id', 'sl.orderId')
    .select([
      'sl.id',
      'sl.shipmentId',
      's.shippedAt',
      'o.customerId',
      'o.id as orderId',
      'o.number as orderNumber',
      'o.customerReference',
      'o.paymentTermsDays',
      'o.currency',
      'sl.orderLineId',
      'ol.lineNumber',
      'ol.itemCode',
      'ol.description',
      sql<string>`sl.quantity - sl.invoiced_quantity`.as('quantity'),
      'ol.unit',
      'ol.unitPriceMinor',
      'ol.discountPercent',
      'ol.vatCategory',
      'ol.vatRate',
    ])
    .where('s.status', 'in', ['shipped', 'delivered'])
    .whereRef('sl.invoicedQuantity', '<', 'sl.quantity')
    .orderBy('sl.id')
    .limit(limit + 1)
  if (after) query = query.where('sl.id', '>', after)
  if (filter.customerId) query = query.where('o.customerId', '=', filter.customerId)
  if (filter.orderId) query = query.where('sl.orderId', '=', filter.orderId)
  if (filter.currency) query = query.where('o.currency', '=', filter.currency)
  if (filter.shippedTo) {
    query = query.where(
      sql<boolean>`s.shipped_at < (${filter.shippedTo}::date + 1)::timestamp at time zone ${ctx.timeZone}`,
    )
  }
  const page = toPage(await query.execute(), limit)
  return {
    nextCursor: page.nextCursor,
    data: page.data.map((row) => {
      const quantity = decimalFromStore(row.quantity)
      const discountPercent = decimalFromStore(row.discountPercent)
      return {
        shipmentLineId: row.id,
        shipmentId: row.shipmentId,
        shippedAt: row.shippedAt as Date,
        customerId: row.customerId,
        orderId: row.orderId,
        orderNumber: row.orderNumber,
        customerReference: row.customerReference,
        paymentTermsDays: row.paymentTermsDays,
        orderLineId: row.orderLineId,
        lineNumber: row.lineNumber,
        itemCode: row.itemCode,
        description: row.description,
        quantity,
        unit: row.unit,
        currency: row.currency,
        unitPriceMinor: row.unitPriceMinor,
        discountPercent,
        vatCategory: row.vatCategory,
        vatRate: decimalFromStore(row.vatRate),
        netMinor: lineNetMinor(quantity, row.unitPriceMinor, discountPercent),
      }
    }),
  }
}

// An invoice has at most this many lines; invoicing reports per invoice.
const invoicedLinesMax = 5_000

/**
 * Invoicing reports what it billed: per shipment line, the quantity now on an invoice. Fills
 * invoiced_quantity (never beyond what was shipped) and moves every order whose shipped
 * units are all billed from shipped to invoiced (event order.invoiced). Returns those orders.
 */
export async function recordInvoicedQuantities(
  ctx: Ctx,
  lines: { shipmentLineId: string; quantity: string }[],
): Promise<{ ordersInvoiced: string[] }> {
  const issues: FieldIssue[] = []
  if (lines.length > invoicedLinesMax) {
    issues.push({ field: 'lines', message: `must be at most ${invoicedLinesMax} lines` })
  }
  const units = lines.map((line, index) => {
    const text = line.quantity.trim()
    const quantity = /^\d+(\.\d+)?$/.test(text) ? decimalFromStore(text) : undefined
    if (!quantity || quantity.scale > quantityScaleMax || quantity.units <= 0n) {
      issues.push({
        field: `lines[${index}].quantity`,
        message: `must be a number above 0 with at most ${quantityScaleMax} decimals`,
      })
      return 0n
    }
    return quantityUnits(quantity)
  })
  if (issues.length > 0) throw invalid(issues)
  const ids = lines.map((l) => l.shipmentLineId)
  const orderIds = await ctx.db
    .selectFrom('shipmentLine')
    .select('orderId')
    .distinct()
    .where('id', 'in', ids.length > 0 ? ids : ['00000000-0000-0000-0000-000000000000'])
    .execute()
  await lockOrders(
    ctx,
    orderIds.map((row) => row.orderId),
  )
  const current = await ctx.db
    .selectFrom('shipmentLine as sl')
    .innerJoin('shipment as s', 's.id', 'sl.shipmentId')
    .select([
      'sl.id',
      'sl.shipmentId',
      'sl.orderId',
      'sl.quantity',
      'sl.invoicedQuantity',
      's.status',
    ])
    .where('sl.id', 'in', ids.length > 0 ? ids : ['00000000-0000-0000-0000-000000000000'])
    .forUpdate()
    .execute()
  const byId = new Map(current.map((row) => [row.id, row]))
  const left = new Map(
    current.map((row) => [
      row.id,
      row.status === 'registered'
        ? 0n
        : quantityUnits(decimalFromStore(row.quantity)) -
          quantityUnits(decimalFromStore(row.invoicedQuantity)),
    ]),
  )
  lines.forEach((line, index) => {
    const row = byId.get(line.shipmentLineId)
    if (!row) throw notFound('shipment_line', line.shipmentLineId)
    const remaining = left.get(line.shipmentLineId) ?? 0n
    if (units[index] > remaining) {
      throw domainError(
        'shipments.invoiced_exceeds_shipped',
        `Shipment line ${line.shipmentLineId} has ${decimalText(quantityFromUnits(remaining))} shipped and not invoiced; ${line.quantity} was invoiced`,
        { field: `lines[${index}].quantity`, left: decimalText(quantityFromUnits(remaining)) },
      )
    }
    left.set(line.shipmentLineId, remaining - units[index])
  })
  if (lines.length === 0) return { ordersInvoiced: [] }

  await sql`
    update shipment_line sl
    set invoiced_quantity = sl.invoiced_quantity + v.quantity
    from (
      select id, sum(quantity) as quantity
      from unnest(${ids}::uuid[], ${units.map((u) => decimalText(quantityFromUnits(u)))}::numeric[])
        as billed(id, quantity)
      group by id
    ) v
    where sl.id = v.id`.execute(ctx.db)
  for (const shipmentId of new Set(current.map((row) => row.shipmentId))) {
    await recordAudit(ctx, {
      entityType: 'shipment',
      entityId: shipmentId,
      action: 'invoiced',
      after: lines.filter((line) => byId.get(line.shipmentLineId)?.shipmentId === shipmentId),
    })
  }

  const complete = await ctx.db
    .selectFrom('salesOrder as o')
    .select('o.id')
    .where(
      'o.id',
      'in',
      orderIds.map((row) => row.orderId),
    )
    .where('o.status', '=', 'shipped')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('shipmentLine as sl')
            .select('sl.id')
            .whereRef('sl.orderId', '=', 'o.id')
            .whereRef('sl.invoicedQuantity', '<', 'sl.quantity'),
        ),
      ),
    )
    .execute()
  for (const { id } of complete) await markOrderInvoiced(ctx, id)
  return { ordersInvoiced: complete.map((row) => row.id) }
}

async function markOrderInvoiced(ctx: Ctx, id: string): Promise<Order> {
  const before = await loadOrder(ctx, id, { forUpdate: true })
  assertTransition(before, 'invoice')
  return moveOrder(ctx, before, 'invoiced', { invoicedAt: ctx.now })
}

/**
 * An invoiced order whose invoices are settled is closed. Cash application calls this when
 * the last open item of the order is paid.
 */
export async function closeOrder(ctx: Ctx, id: string): Promise<Order> {
  const before = await loadOrder(ctx, id, { forUpdate: true })
  assertTransition(before, 'close')
  return moveOrder(ctx, before, 'closed', { closedAt: ctx.now })
}

async function moveOrder(
  ctx: Ctx,
  before: Order,
  status: 'invoiced' | 'closed',
  stamp: { invoicedAt?: Date; closedAt?: Date },
): Promise<Order> {
  const after: Order = {
    ...before,
    status,
    ...stamp,
    updatedAt: ctx.now,
    version: before.version + 1,
  }
  // The row is locked (loadOrder forUpdate), so the order after is the one before with these
  // columns changed: no second read.
  await ctx.db
    .updateTable('salesOrder')
    .set({ status, ...stamp, updatedAt: ctx.now, version: after.version })
    .where('id', '=', before.id)
    .execute()
  await recordAudit(ctx, {
    entityType: 'order',
    entityId: before.id,
    action: status,
    before: { status: before.status, version: before.version },
    after: { status, version: after.version },
  })
  await emitEvent(ctx, {
    type: `order.${status}`,
    entityType: 'order',
    entityId: before.id,
    payload: orderEventPayload(after),
  })
  return after
}
