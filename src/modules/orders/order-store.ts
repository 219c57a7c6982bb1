import { sql } from 'kysely'
import { notFound } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import type { Decimal } from '../../core/money.js'
import { decimalFromStore } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { decimalText, type OrderTotals, orderTotals, type PricedLine } from './pricing.js'
import type { OrderStatus } from './tables.js'

// Reading and writing the order tables: one order with its lines and credit hold, as the
// service functions work with it. The SQL for sales_order and its children lives here.

export type OrderLine = PricedLine & {
  id: string
  lineNumber: number
  shippedQuantity: Decimal
}

export type CreditHoldReason = { code: string; detail: string }

export type CreditHold = {
  reasons: CreditHoldReason[]
  /** What the credit module saw: limit, exposure, currency (as it decided). */
  creditCheck: Record<string, unknown>
  heldAt: Date
  outcome: 'released' | 'rejected' | null
  decidedAt: Date | null
  decidedBy: { id: string | null; name: string } | null
  decisionReason: string | null
}

export type Order = {
  id: string
  number: number
  customerId: string
  customerReference: string
  currency: string
  paymentTermsDays: number
  requestedDeliveryDate: string | null
  requiresPrepayment: boolean
  status: OrderStatus
  lines: OrderLine[]
  totals: OrderTotals
  prepaidMinor: bigint
  paidAt: Date | null
  creditHold: CreditHold | null
  sourceReference: string | null
  confirmedAt: Date | null
  shippedAt: Date | null
  invoicedAt: Date | null
  closedAt: Date | null
  cancelledAt: Date | null
  cancelReason: string | null
  createdAt: Date
  updatedAt: Date
  version: number
}

/** The header fields of an order that a draft may change. */
export type OrderHeader = {
  customerId: string
  customerReference: string
  currency: string
  paymentTermsDays: number
  requestedDeliveryDate: string | null
  requiresPrepayment: boolean
}

export async function loadOrder(
  ctx: Ctx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Order> {
  let query = ctx.db.selectFrom('salesOrder').selectAll().where('id', '=', id)
  if (options.forUpdate) query = query.forUpdate()
  const row = await query.executeTakeFirst()
  if (!row) throw notFound('order', id)
  const [lineRows, hold] = await Promise.all([
    ctx.db
      .selectFrom('salesOrderLine')
      .selectAll()
      .where('orderId', '=', id)
      .orderBy('lineNumber')
      .execute(),
    ctx.db.selectFrom('orderCreditHold').selectAll().where('orderId', '=', id).executeTakeFirst(),
  ])
  const lines: OrderLine[] = lineRows.map((l) => ({
    id: l.id,
    lineNumber: l.lineNumber,
    itemCode: l.itemCode,
    description: l.description,
    quantity: decimalFromStore(l.quantity),
    unit: l.unit,
    unitPriceMinor: l.unitPriceMinor,
    discountPercent: decimalFromStore(l.discountPercent),
    vatCategory: l.vatCategory,
    vatRate: decimalFromStore(l.vatRate),
    netMinor: l.netMinor,
    shippedQuantity: decimalFromStore(l.shippedQuantity),
  }))
  return {
    id: row.id,
    number: row.number,
    customerId: row.customerId,
    customerReference: row.customerReference,
    currency: row.currency,
    paymentTermsDays: row.paymentTermsDays,
    requestedDeliveryDate: row.requestedDeliveryDate,
    requiresPrepayment: row.requiresPrepayment,
    status: row.status,
    lines,
    totals: orderTotals(lines),
    prepaidMinor: row.prepaidMinor,
    paidAt: row.paidAt,
    creditHold: hold
      ? {
          reasons: hold.reasons as CreditHoldReason[],
          creditCheck: hold.creditCheck as Record<string, unknown>,
          heldAt: hold.heldAt,
          outcome: hold.outcome,
          decidedAt: hold.decidedAt,
          decidedBy: hold.decidedByName ? { id: hold.decidedById, name: hold.decidedByName } : null,
          decisionReason: hold.decisionReason,
        }
      : null,
    sourceReference: row.sourceReference,
    confirmedAt: row.confirmedAt,
    shippedAt: row.shippedAt,
    invoicedAt: row.invoicedAt,
    closedAt: row.closedAt,
    cancelledAt: row.cancelledAt,
    cancelReason: row.cancelReason,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  }
}

/**
 * Locks several orders at once, in id order, before a transaction that changes more than one
 * records its first audit event (which locks the tenant's audit chain head). Taking them one
 * by one after that could deadlock with a change of one of them that waits for the chain.
 */
export async function lockOrders(ctx: Ctx, ids: string[]): Promise<void> {
  if (ids.length === 0) return
  await ctx.db
    .selectFrom('salesOrder')
    .select('id')
    .where('id', 'in', [...new Set(ids)].sort())
    .orderBy('id')
    .forUpdate()
    .execute()
}

/**
 * Reserves `count` consecutive order numbers for the tenant and returns the first. The
 * counter row is locked until commit, so numbers follow commit order and a rolled-back
 * creation gives its numbers back.
 */
export async function reserveOrderNumbers(ctx: Ctx, count: number): Promise<number> {
  const row = await ctx.db
    .insertInto('orderNumberCounter')
    .values({ tenantId: ctx.tenantId, lastNumber: count })
    .onConflict((oc) =>
      oc.column('tenantId').doUpdateSet({
        lastNumber: sql<number>`order_number_counter.last_number + ${count}`,
      }),
    )
    .returning('lastNumber')
    .executeTakeFirstOrThrow()
  return row.lastNumber - count + 1
}

export type OrderToInsert = OrderHeader & {
  id: string
  number: number
  lines: PricedLine[]
  sourceReference: string | null
  /**
   * Inserted as a draft (version 1) unless it says otherwise: an order created and
   * confirmed in one go is inserted confirmed or on credit hold, at the version it would
   * have after its confirmation.
   */
  state?: { status: OrderStatus; confirmedAt: Date | null; version: number }
}

const draftState = { status: 'draft', confirmedAt: null, version: 1 } as const

// PostgreSQL takes at most 65,535 parameters per statement; a line has 14 columns.
const lineRowsPerStatementMax = 2_000
const orderRowsPerStatementMax = 2_000

/**
 * Inserts orders with their lines in a few statements, whatever their number, and returns
 * them as stored (so a caller need not read back what it just wrote).
 */
export async function insertOrders(ctx: Ctx, orders: OrderToInsert[]): Promise<Order[]> {
  const orderRows = orders.map((o) => {
    const totals = orderTotals(o.lines)
    const state = o.state ?? draftState
    return {
      tenantId: ctx.tenantId,
      id: o.id,
      number: o.number,
      customerId: o.customerId,
      customerReference: o.customerReference,
      currency: o.currency,
      paymentTermsDays: o.paymentTermsDays,
      requestedDeliveryDate: o.requestedDeliveryDate,
      requiresPrepayment: o.requiresPrepayment,
      status: state.status,
      netMinor: totals.netMinor,
      vatMinor: totals.vatMinor,
      grossMinor: totals.grossMinor,
      paidAt: null,
      sourceReference: o.sourceReference,
      confirmedAt: state.confirmedAt,
      shippedAt: null,
      invoicedAt: null,
      closedAt: null,
      cancelledAt: null,
      cancelReason: null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      version: state.version,
    }
  })
  for (const chunk of chunks(orderRows, orderRowsPerStatementMax)) {
    await ctx.db.insertInto('salesOrder').values(chunk).execute()
  }
  const linesByOrder = orders.map((o) => lineValues(ctx, o.id, o.lines))
  for (const chunk of chunks(linesByOrder.flat(), lineRowsPerStatementMax)) {
    await ctx.db.insertInto('salesOrderLine').values(chunk).execute()
  }
  return orders.map((o, index) => {
    const state = o.state ?? draftState
    return {
      id: o.id,
      number: o.number,
      customerId: o.customerId,
      customerReference: o.customerReference,
      currency: o.currency,
      paymentTermsDays: o.paymentTermsDays,
      requestedDeliveryDate: o.requestedDeliveryDate,
      requiresPrepayment: o.requiresPrepayment,
      status: state.status,
      lines: o.lines.map((line, position) => ({
        ...line,
        id: linesByOrder[index][position].id,
        lineNumber: position + 1,
        shippedQuantity: { units: 0n, scale: 0 },
      })),
      totals: orderTotals(o.lines),
      prepaidMinor: 0n,
      paidAt: null,
      creditHold: null,
      sourceReference: o.sourceReference,
      confirmedAt: state.confirmedAt,
      shippedAt: null,
      invoicedAt: null,
      closedAt: null,
      cancelledAt: null,
      cancelReason: null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      version: state.version,
    }
  })
}

export async function replaceOrderLines(
  ctx: Ctx,
  orderId: string,
  lines: PricedLine[],
): Promise<void> {
  await ctx.db.deleteFrom('salesOrderLine').where('orderId', '=', orderId).execute()
  const rows = lineValues(ctx, orderId, lines)
  for (const chunk of chunks(rows, lineRowsPerStatementMax)) {
    await ctx.db.insertInto('salesOrderLine').values(chunk).execute()
  }
}

function lineValues(ctx: Ctx, orderId: string, lines: PricedLine[]) {
  return lines.map((line, index) => ({
    tenantId: ctx.tenantId,
    id: newId(),
    orderId,
    lineNumber: index + 1,
    itemCode: line.itemCode,
    description: line.description,
    quantity: decimalText(line.quantity),
    unit: line.unit,
    unitPriceMinor: line.unitPriceMinor,
    discountPercent: decimalText(line.discountPercent),
    vatCategory: line.vatCategory,
    vatRate: decimalText(line.vatRate),
    netMinor: line.netMinor,
  }))
}

function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size))
  return out
}

/** What the audit trail keeps of an order: the order as the service returned it. */
export function auditView(order: Order): Record<string, unknown> {
  return {
    ...order,
    lines: order.lines.map((l) => ({
      ...l,
      quantity: decimalText(l.quantity),
      discountPercent: decimalText(l.discountPercent),
      vatRate: decimalText(l.vatRate),
      shippedQuantity: decimalText(l.shippedQuantity),
    })),
    totals: {
      netMinor: order.totals.netMinor,
      vatMinor: order.totals.vatMinor,
      grossMinor: order.totals.grossMinor,
    },
  }
}
