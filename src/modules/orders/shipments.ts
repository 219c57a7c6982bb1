import { sql } from 'kysely'
import { domainError, type FieldIssue, invalid, notFound } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { type Decimal, decimalFromStore, formatAmount } from '../../core/money.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { emitEvent } from '../outbox/index.js'
import { carrierCode, trackingUrlFor } from './carriers.js'
import { loadOrder, type Order } from './order-store.js'
import { decimalText, quantityFromUnits, quantityScaleMax, quantityUnits } from './pricing.js'
import { orderEventPayload } from './service.js'
import { assertTransition } from './status.js'
import type { ShipmentStatus } from './tables.js'

// Shipments: what left the warehouse for an order, per order line. A shipment is registered
// (label made, quantities reserved against the order), shipped (the carrier has it: the order
// lines count it as shipped and the order becomes partially_shipped or shipped) and delivered.
// Never more leaves than was ordered, and a prepayment order leaves only once it is paid.

export type ShipmentLine = {
  id: string
  orderLineId: string
  lineNumber: number
  itemCode: string
  description: string
  quantity: Decimal
  unit: string
  invoicedQuantity: Decimal
}

export type Shipment = {
  id: string
  orderId: string
  orderNumber: number
  customerId: string
  carrier: string
  trackingNumber: string | null
  trackingUrl: string | null
  status: ShipmentStatus
  shippedAt: Date | null
  deliveredAt: Date | null
  lines: ShipmentLine[]
  createdAt: Date
  updatedAt: Date
  version: number
}

export type NewShipment = {
  orderId: string
  carrier?: string
  trackingNumber?: string | null
  /** Built from the carrier's template when not given. */
  trackingUrl?: string | null
  /**
   * When the carrier took it; not given: now. null registers the shipment only (label made,
   * waiting for the carrier); a carrier "shipped" event ships it later.
   */
  shippedAt?: Date | null
  lines: { orderLineId: string; quantity: string }[]
}

// A parcel holds at most one row per order line; an order has at most 1,000 lines.
const shipmentLinesMax = 1_000

/** Registers a shipment for an order and, unless shippedAt is null, ships it at once. */
export async function createShipment(ctx: Ctx, input: NewShipment): Promise<Shipment> {
  const requested = parseShipmentLines(input.lines)
  const order = await loadOrder(ctx, input.orderId, { forUpdate: true })
  assertTransition(order, 'ship', 'shipments.order_not_shippable')
  assertPaidIfPrepayment(order)
  await assertQuantitiesLeft(ctx, order, requested)

  const carrier = carrierCode(input.carrier ?? '')
  const trackingNumber = input.trackingNumber?.trim() || null
  const trackingUrl =
    input.trackingUrl?.trim() ||
    (trackingNumber ? trackingUrlFor(carrier, trackingNumber) : null) ||
    null
  if (trackingNumber) await assertTrackingNumberFree(ctx, trackingNumber)
  const id = newId()
  await ctx.db
    .insertInto('shipment')
    .values({
      tenantId: ctx.tenantId,
      id,
      orderId: order.id,
      customerId: order.customerId,
      carrier,
      trackingNumber,
      trackingUrl,
      status: 'registered',
      shippedAt: null,
      deliveredAt: null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .execute()
  await ctx.db
    .insertInto('shipmentLine')
    .values(
      requested.map((line) => ({
        tenantId: ctx.tenantId,
        id: newId(),
        shipmentId: id,
        orderId: order.id,
        orderLineId: line.orderLineId,
        quantity: decimalText(quantityFromUnits(line.quantityUnits)),
      })),
    )
    .execute()
  const registered = await getShipment(ctx, id)
  await recordAudit(ctx, {
    entityType: 'shipment',
    entityId: id,
    action: 'registered',
    after: auditView(registered),
  })
  if (input.shippedAt === null) return registered
  return shipShipment(ctx, id, input.shippedAt ?? ctx.now)
}

type RequestedLine = { orderLineId: string; quantityUnits: bigint; index: number }

function parseShipmentLines(lines: NewShipment['lines']): RequestedLine[] {
  const issues: FieldIssue[] = []
  if (lines.length === 0) issues.push({ field: 'lines', message: 'needs at least one line' })
  if (lines.length > shipmentLinesMax) {
    issues.push({ field: 'lines', message: `must be at most ${shipmentLinesMax} lines` })
  }
  const seen = new Set<string>()
  const requested: RequestedLine[] = []
  lines.forEach((line, index) => {
    if (seen.has(line.orderLineId)) {
      issues.push({
        field: `lines[${index}].order_line_id`,
        message: 'appears twice; put the whole quantity of an order line on one row',
      })
    }
    seen.add(line.orderLineId)
    const quantity = /^\d+(\.\d+)?$/.test(line.quantity.trim())
      ? decimalFromStoreSafe(line.quantity.trim())
      : undefined
    if (!quantity || quantity.scale > quantityScaleMax || quantity.units <= 0n) {
      issues.push({
        field: `lines[${index}].quantity`,
        message: `must be a number above 0 with at most ${quantityScaleMax} decimals, not "${line.quantity}"`,
      })
      return
    }
    requested.push({ orderLineId: line.orderLineId, quantityUnits: quantityUnits(quantity), index })
  })
  if (issues.length > 0) throw invalid(issues)
  return requested
}

function decimalFromStoreSafe(text: string): Decimal | undefined {
  try {
    return decimalFromStore(text)
  } catch {
    return undefined
  }
}

function assertPaidIfPrepayment(order: Order): void {
  if (!order.requiresPrepayment || order.paidAt) return
  const amount = (minor: bigint) => formatAmount(minor, order.currency)
  throw domainError(
    'shipments.prepayment_outstanding',
    `Order ${order.number} requires prepayment and is not paid yet (${amount(order.prepaidMinor)} of ${amount(order.totals.grossMinor)} ${order.currency} received); it cannot ship before it is paid`,
    {
      order: order.id,
      order_number: order.number,
      prepaid: amount(order.prepaidMinor),
      gross_total: amount(order.totals.grossMinor),
      currency: order.currency,
    },
  )
}

/**
 * Each requested quantity must fit in what is left of its order line: ordered minus what
 * other shipments (registered, shipped or delivered) already took. Summed in one statement.
 */
async function assertQuantitiesLeft(
  ctx: Ctx,
  order: Order,
  requested: RequestedLine[],
): Promise<void> {
  const taken = await ctx.db
    .selectFrom('shipmentLine')
    .select(['orderLineId', sql<string>`sum(quantity)`.as('quantity')])
    .where('orderId', '=', order.id)
    .groupBy('orderLineId')
    .execute()
  const takenByLine = new Map(
    taken.map((t) => [t.orderLineId, quantityUnits(decimalFromStore(t.quantity))]),
  )
  for (const line of requested) {
    const orderLine = order.lines.find((l) => l.id === line.orderLineId)
    if (!orderLine) {
      throw domainError(
        'shipments.line_not_on_order',
        `Order ${order.number} has no line ${line.orderLineId}`,
        { field: `lines[${line.index}].order_line_id`, order: order.id },
      )
    }
    const ordered = quantityUnits(orderLine.quantity)
    const before = takenByLine.get(line.orderLineId) ?? 0n
    if (before + line.quantityUnits > ordered) {
      const left = quantityFromUnits(ordered - before)
      throw domainError(
        'shipments.over_shipment',
        `Line ${orderLine.lineNumber} (${orderLine.itemCode}) of order ${order.number}: ${decimalText(orderLine.quantity)} ordered, ${decimalText(quantityFromUnits(before))} already on shipments, ${decimalText(left)} left; ${decimalText(quantityFromUnits(line.quantityUnits))} requested`,
        {
          field: `lines[${line.index}].quantity`,
          ordered: decimalText(orderLine.quantity),
          already_shipped: decimalText(quantityFromUnits(before)),
          left: decimalText(left),
        },
      )
    }
  }
}

async function assertTrackingNumberFree(ctx: Ctx, trackingNumber: string): Promise<void> {
  const other = await ctx.db
    .selectFrom('shipment')
    .select('id')
    .where('trackingNumber', '=', trackingNumber)
    .executeTakeFirst()
  if (other) {
    throw domainError(
      'shipments.tracking_number_taken',
      `Tracking number ${trackingNumber} is on shipment ${other.id} already`,
      { field: 'tracking_number', shipment: other.id },
    )
  }
}

/**
 * The carrier has the parcel: its quantities count as shipped on the order lines, and the
 * order becomes partially_shipped or shipped. A shipment shipped already is left as it is
 * (carrier files repeat events).
 */
export async function shipShipment(ctx: Ctx, id: string, shippedAt: Date): Promise<Shipment> {
  const current = await shipmentHead(ctx, id)
  const before = await loadOrder(ctx, current.orderId, { forUpdate: true })
  const locked = await shipmentHead(ctx, id, { forUpdate: true })
  if (locked.status !== 'registered') return getShipment(ctx, id)
  assertTransition(before, 'ship', 'shipments.order_not_shippable')

  await ctx.db
    .updateTable('shipment')
    .set({ status: 'shipped', shippedAt, updatedAt: ctx.now, version: locked.version + 1 })
    .where('id', '=', id)
    .execute()
  await sql`
    update sales_order_line l
    set shipped_quantity = l.shipped_quantity + s.quantity
    from shipment_line s
    where s.shipment_id = ${id} and s.order_line_id = l.id`.execute(ctx.db)
  const lines = await ctx.db
    .selectFrom('salesOrderLine')
    .select(sql<boolean>`bool_and(shipped_quantity = quantity)`.as('complete'))
    .where('orderId', '=', before.id)
    .executeTakeFirstOrThrow()
  const status = lines.complete ? 'shipped' : 'partially_shipped'
  await ctx.db
    .updateTable('salesOrder')
    .set({
      status,
      shippedAt: status === 'shipped' ? shippedAt : null,
      updatedAt: ctx.now,
      version: before.version + 1,
    })
    .where('id', '=', before.id)
    .execute()

  const shipment = await getShipment(ctx, id)
  await recordAudit(ctx, {
    entityType: 'shipment',
    entityId: id,
    action: 'shipped',
    before: { status: locked.status },
    after: { status: shipment.status, shippedAt },
  })
  await recordAudit(ctx, {
    entityType: 'order',
    entityId: before.id,
    action: status,
    before: { status: before.status, version: before.version },
    after: { status, shipment: id, version: before.version + 1 },
  })
  await emitEvent(ctx, {
    type: 'shipment.shipped',
    entityType: 'shipment',
    entityId: id,
    payload: {
      ...shipmentEventPayload(shipment),
      shipped_at: shippedAt.toISOString(),
      customer_reference: before.customerReference,
      lines: shipment.lines.map((l) => ({
        order_line_id: l.orderLineId,
        line_number: l.lineNumber,
        item_code: l.itemCode,
        description: l.description,
        quantity: decimalText(l.quantity),
        unit: l.unit,
      })),
    },
  })
  if (status === 'shipped') {
    const order = await loadOrder(ctx, before.id)
    await emitEvent(ctx, {
      type: 'order.shipped',
      entityType: 'order',
      entityId: before.id,
      payload: { ...orderEventPayload(order), shipped_at: shippedAt.toISOString() },
    })
  }
  return shipment
}

/**
 * The customer has the parcel. A registered shipment is shipped first (the carrier skipped
 * the scan). `repeatIsHarmless` (carrier files) leaves a delivered shipment as it is instead
 * of refusing.
 */
export async function deliverShipment(
  ctx: Ctx,
  id: string,
  deliveredAt: Date,
  options: { repeatIsHarmless?: boolean } = {},
): Promise<Shipment> {
  const current = await shipmentHead(ctx, id)
  if (current.status === 'registered') await shipShipment(ctx, id, deliveredAt)
  const locked = await shipmentHead(ctx, id, { forUpdate: true })
  if (locked.status === 'delivered') {
    if (options.repeatIsHarmless) return getShipment(ctx, id)
    throw domainError(
      'shipments.already_delivered',
      `Shipment ${id} was delivered at ${locked.deliveredAt?.toISOString()}`,
      { shipment: id, delivered_at: locked.deliveredAt?.toISOString() },
    )
  }
  await ctx.db
    .updateTable('shipment')
    .set({ status: 'delivered', deliveredAt, updatedAt: ctx.now, version: locked.version + 1 })
    .where('id', '=', id)
    .execute()
  const shipment = await getShipment(ctx, id)
  await recordAudit(ctx, {
    entityType: 'shipment',
    entityId: id,
    action: 'delivered',
    before: { status: locked.status },
    after: { status: shipment.status, deliveredAt },
  })
  await emitEvent(ctx, {
    type: 'shipment.delivered',
    entityType: 'shipment',
    entityId: id,
    payload: { ...shipmentEventPayload(shipment), delivered_at: deliveredAt.toISOString() },
  })
  return shipment
}

/** What every shipment event carries: enough to tell the customer where the parcel is. */
function shipmentEventPayload(shipment: Shipment): Record<string, unknown> {
  return {
    shipment_id: shipment.id,
    order_id: shipment.orderId,
    order_number: shipment.orderNumber,
    customer_id: shipment.customerId,
    carrier: shipment.carrier,
    tracking_number: shipment.trackingNumber,
    tracking_url: shipment.trackingUrl,
  }
}

async function shipmentHead(ctx: Ctx, id: string, options: { forUpdate?: boolean } = {}) {
  let query = ctx.db
    .selectFrom('shipment')
    .select(['id', 'orderId', 'status', 'deliveredAt', 'version'])
    .where('id', '=', id)
  if (options.forUpdate) query = query.forUpdate()
  const row = await query.executeTakeFirst()
  if (!row) throw notFound('shipment', id)
  return row
}

export async function getShipment(ctx: Ctx, id: string): Promise<Shipment> {
  const [shipment] = await shipmentsWithLines(ctx, [id])
  if (!shipment) throw notFound('shipment', id)
  return shipment
}

/** Shipments with their lines, in two statements for any number of shipments. */
async function shipmentsWithLines(ctx: Ctx, ids: string[]): Promise<Shipment[]> {
  if (ids.length === 0) return []
  const [heads, lines] = await Promise.all([
    ctx.db
      .selectFrom('shipment as s')
      .innerJoin('salesOrder as o', 'o.id', 's.orderId')
      .selectAll('s')
      .select('o.number as orderNumber')
      .where('s.id', 'in', ids)
      .orderBy('s.id')
      .execute(),
    ctx.db
      .selectFrom('shipmentLine as sl')
      .innerJoin('salesOrderLine as ol', 'ol.id', 'sl.orderLineId')
      .select([
        'sl.id',
        'sl.shipmentId',
        'sl.orderLineId',
        'ol.lineNumber',
        'ol.itemCode',
        'ol.description',
        'sl.quantity',
        'ol.unit',
        'sl.invoicedQuantity',
      ])
      .where('sl.shipmentId', 'in', ids)
      .orderBy('ol.lineNumber')
      .execute(),
  ])
  return heads.map((h) => ({
    id: h.id,
    orderId: h.orderId,
    orderNumber: h.orderNumber,
    customerId: h.customerId,
    carrier: h.carrier,
    trackingNumber: h.trackingNumber,
    trackingUrl: h.trackingUrl,
    status: h.status,
    shippedAt: h.shippedAt,
    deliveredAt: h.deliveredAt,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    version: h.version,
    lines: lines
      .filter((l) => l.shipmentId === h.id)
      .map((l) => ({
        id: l.id,
        orderLineId: l.orderLineId,
        lineNumber: l.lineNumber,
        itemCode: l.itemCode,
        description: l.description,
        quantity: decimalFromStore(l.quantity),
        unit: l.unit,
        invoicedQuantity: decimalFromStore(l.invoicedQuantity),
      })),
  }))
}

export type ShipmentFilter = {
  orderId?: string
  customerId?: string
  status?: ShipmentStatus[]
  carrier?: string
  trackingNumber?: string
  /** Calendar dates in the tenant's time zone, both ends included. */
  shippedFrom?: string
  shippedTo?: string
  cursor?: string
  limit?: number
}

export async function listShipments(ctx: Ctx, filter: ShipmentFilter): Promise<Page<Shipment>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('shipment')
    .select('id')
    .orderBy('id')
    .limit(limit + 1)
  if (after) query = query.where('id', '>', after)
  if (filter.orderId) query = query.where('orderId', '=', filter.orderId)
  if (filter.customerId) query = query.where('customerId', '=', filter.customerId)
  if (filter.status?.length) query = query.where('status', 'in', filter.status)
  if (filter.carrier) query = query.where('carrier', '=', carrierCode(filter.carrier))
  if (filter.trackingNumber) query = query.where('trackingNumber', '=', filter.trackingNumber)
  if (filter.shippedFrom) {
    query = query.where(
      sql<boolean>`shipped_at >= (${filter.shippedFrom}::date)::timestamp at time zone ${ctx.timeZone}`,
    )
  }
  if (filter.shippedTo) {
    query = query.where(
      sql<boolean>`shipped_at < (${filter.shippedTo}::date + 1)::timestamp at time zone ${ctx.timeZone}`,
    )
  }
  const page = toPage(await query.execute(), limit)
  return {
    data: await shipmentsWithLines(
      ctx,
      page.data.map((r) => r.id),
    ),
    nextCursor: page.nextCursor,
  }
}

function auditView(shipment: Shipment): Record<string, unknown> {
  return {
    ...shipment,
    lines: shipment.lines.map((l) => ({
      orderLineId: l.orderLineId,
      lineNumber: l.lineNumber,
      quantity: decimalText(l.quantity),
    })),
  }
}
