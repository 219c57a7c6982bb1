import { sql } from 'kysely'
import { isCalendarDate } from '../../core/dates.js'
import { domainError, type FieldIssue, invalid } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { formatAmount, isCurrency, type Money } from '../../core/money.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { getCreditProfile } from '../credit/index.js'
import { getCustomerHeader } from '../customers/index.js'
import { emitEvent } from '../outbox/index.js'
import {
  auditView,
  insertOrders,
  loadOrder,
  type Order,
  type OrderHeader,
  replaceOrderLines,
  reserveOrderNumbers,
} from './order-store.js'
import { type LineInput, orderTotals, type PricedLine, priceLines } from './pricing.js'
import { assertTransition } from './status.js'
import type { OrderStatus } from './tables.js'

// Creating, changing, reading, listing and cancelling orders, and recording prepayments.
// Confirmation and credit holds live in confirmation.ts; shipping in shipments.ts.

export type NewOrder = {
  customerId: string
  /** The customer's own reference, usually their purchase order (PO) number. */
  customerReference?: string
  /** Defaults to the customer's currency. */
  currency?: string
  /** Defaults to the customer's payment terms. */
  paymentTermsDays?: number
  requestedDeliveryDate?: string | null
  /**
   * Goods leave only after payment; the credit check skips the exposure test. Defaults to
   * the customer's credit profile (requires_prepayment) when the order does not say.
   */
  requiresPrepayment?: boolean
  lines: LineInput[]
  /** The CSV import's order_ref. */
  sourceReference?: string | null
}

export type OrderPatch = Partial<Omit<NewOrder, 'sourceReference'>>

/** What an order takes from its customer when the order does not say. */
export type CustomerDefaults = {
  id: string
  currency: string
  paymentTermsDays: number
  /** The credit profile's flag: a customer the credit analyst put on prepayment. */
  requiresPrepayment?: boolean
}

/**
 * Checks and prices an order against its customer's defaults, without touching the store.
 * Every problem names its field (`currency`, `lines[2].unit_price`).
 */
export function prepareOrder(
  input: NewOrder,
  customer: CustomerDefaults,
): { header?: OrderHeader; lines: PricedLine[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = []
  const currency = (input.currency ?? customer.currency).trim().toUpperCase()
  if (!isCurrency(currency)) {
    issues.push({ field: 'currency', message: `${currency} is not an ISO 4217 currency code` })
  }
  const paymentTermsDays = input.paymentTermsDays ?? customer.paymentTermsDays
  if (!Number.isInteger(paymentTermsDays) || paymentTermsDays < 0 || paymentTermsDays > 365) {
    issues.push({ field: 'payment_terms_days', message: 'must be a whole number from 0 to 365' })
  }
  const requestedDeliveryDate = input.requestedDeliveryDate ?? null
  if (requestedDeliveryDate !== null && !isCalendarDate(requestedDeliveryDate)) {
    issues.push({
      field: 'requested_delivery_date',
      message: `must be a date (YYYY-MM-DD), not "${requestedDeliveryDate}"`,
    })
  }
  const customerReference = (input.customerReference ?? '').trim()
  if (customerReference.length > 100) {
    issues.push({ field: 'customer_reference', message: 'must be at most 100 characters' })
  }
  if (issues.some((i) => i.field === 'currency')) return { lines: [], issues }
  const priced = priceLines(input.lines, currency)
  issues.push(...priced.issues)
  if (issues.length > 0) return { lines: [], issues }
  return {
    issues,
    lines: priced.lines,
    header: {
      customerId: customer.id,
      customerReference,
      currency,
      paymentTermsDays,
      requestedDeliveryDate,
      requiresPrepayment: input.requiresPrepayment ?? customer.requiresPrepayment ?? false,
    },
  }
}

/** Creates a draft order; its number is the tenant's next. */
export async function createOrder(ctx: Ctx, input: NewOrder): Promise<Order> {
  const prepared = await prepareNewOrder(ctx, input)
  const number = await reserveOrderNumbers(ctx, 1)
  const [order] = await insertOrders(ctx, [
    {
      ...prepared.header,
      id: newId(),
      number,
      lines: prepared.lines,
      sourceReference: input.sourceReference ?? null,
    },
  ])
  await recordOrderCreated(ctx, order)
  return order
}

/**
 * Checks and prices a new order against its customer and credit profile, writing nothing;
 * a problem throws, naming every bad field.
 */
export async function prepareNewOrder(
  ctx: Ctx,
  input: NewOrder,
): Promise<{ header: OrderHeader; lines: PricedLine[] }> {
  const customer = await getCustomerHeader(ctx, input.customerId)
  const profile = await getCreditProfile(ctx, customer.id)
  const prepared = prepareOrder(input, {
    ...customer,
    requiresPrepayment: profile.requiresPrepayment,
  })
  if (!prepared.header) throw invalid(prepared.issues)
  return { header: prepared.header, lines: prepared.lines }
}

/** The audit event and order.created, for an order just inserted (also by the CSV import). */
export async function recordOrderCreated(ctx: Ctx, order: Order): Promise<void> {
  await recordAudit(ctx, {
    entityType: 'order',
    entityId: order.id,
    action: 'created',
    after: auditView(order),
  })
  await emitEvent(ctx, {
    type: 'order.created',
    entityType: 'order',
    entityId: order.id,
    payload: { ...orderEventPayload(order), status: order.status },
  })
}

/** The fields every order event carries, so a consumer rarely needs to read the order back. */
export function orderEventPayload(order: Order): Record<string, unknown> {
  return {
    order_id: order.id,
    order_number: order.number,
    customer_id: order.customerId,
    customer_reference: order.customerReference,
    currency: order.currency,
    gross_total: formatAmount(order.totals.grossMinor, order.currency),
  }
}

export async function getOrder(ctx: Ctx, id: string): Promise<Order> {
  return loadOrder(ctx, id)
}

/**
 * Changes a draft. `expectedVersion` is the version the clerk last read (If-Match); lines,
 * when given, replace all lines. A change of currency needs the lines again, priced in it.
 */
export async function updateOrder(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  patch: OrderPatch,
): Promise<Order> {
  const before = await loadOrder(ctx, id, { forUpdate: true })
  assertTransition(before, 'edit')
  if (before.version !== expectedVersion) {
    throw domainError(
      'request.stale_etag',
      `Order ${before.number} was changed by someone else (now version ${before.version}); reload it and apply your change again`,
      { entity: 'order', id, currentVersion: before.version },
    )
  }
  const currency = patch.currency?.trim().toUpperCase()
  if (currency && currency !== before.currency && !patch.lines) {
    throw invalid([{ field: 'lines', message: 'must be sent again, priced in the new currency' }])
  }
  const customer =
    patch.customerId && patch.customerId !== before.customerId
      ? await getCustomerHeader(ctx, patch.customerId)
      : {
          id: before.customerId,
          currency: before.currency,
          paymentTermsDays: before.paymentTermsDays,
        }
  const prepared = prepareOrder(
    {
      customerId: customer.id,
      customerReference: patch.customerReference ?? before.customerReference,
      currency: currency ?? before.currency,
      paymentTermsDays: patch.paymentTermsDays ?? before.paymentTermsDays,
      requestedDeliveryDate:
        patch.requestedDeliveryDate === undefined
          ? before.requestedDeliveryDate
          : patch.requestedDeliveryDate,
      requiresPrepayment: patch.requiresPrepayment ?? before.requiresPrepayment,
      lines: patch.lines ?? [],
    },
    customer,
  )
  if (!prepared.header) throw invalid(prepared.issues)
  const lines = patch.lines ? prepared.lines : before.lines
  const totals = orderTotals(lines)
  if (before.prepaidMinor > 0n && !prepared.header.requiresPrepayment) {
    throw invalid([
      {
        field: 'requires_prepayment',
        message: 'cannot be switched off: a prepayment was received on this order',
      },
    ])
  }
  if (before.prepaidMinor > totals.grossMinor) {
    throw domainError(
      'orders.prepayment_exceeds_open',
      `Order ${before.number} was prepaid ${formatAmount(before.prepaidMinor, before.currency)} ${before.currency}; its gross total cannot drop below that`,
      { field: 'lines', prepaid: formatAmount(before.prepaidMinor, before.currency) },
    )
  }
  const covered = before.prepaidMinor > 0n && before.prepaidMinor >= totals.grossMinor
  await ctx.db
    .updateTable('salesOrder')
    .set({
      ...prepared.header,
      netMinor: totals.netMinor,
      vatMinor: totals.vatMinor,
      grossMinor: totals.grossMinor,
      paidAt: covered ? (before.paidAt ?? ctx.now) : null,
      updatedAt: ctx.now,
      version: before.version + 1,
    })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .execute()
  if (patch.lines) await replaceOrderLines(ctx, id, prepared.lines)
  const after = await loadOrder(ctx, id)
  await recordAudit(ctx, {
    entityType: 'order',
    entityId: id,
    action: 'updated',
    before: auditView(before),
    after: auditView(after),
  })
  return after
}

/** Cancels an order that has not shipped: from draft, confirmed or credit hold, with a reason. */
export async function cancelOrder(
  ctx: Ctx,
  id: string,
  command: { reason: string },
): Promise<Order> {
  const reason = command.reason.trim()
  if (reason === '') throw invalid([{ field: 'reason', message: 'is required to cancel' }])
  const before = await loadOrder(ctx, id, { forUpdate: true })
  assertTransition(before, 'cancel')
  const shipment = await ctx.db
    .selectFrom('shipment')
    .select('id')
    .where('orderId', '=', id)
    .executeTakeFirst()
  if (shipment) {
    throw domainError(
      'orders.has_shipments',
      `Order ${before.number} has a shipment registered (${shipment.id}); it cannot be cancelled`,
      { order: id, shipment: shipment.id },
    )
  }
  return closeAsCancelled(ctx, before, reason, 'cancelled')
}

/** Moves an order to cancelled, records it and tells; shared with the credit hold rejection. */
export async function closeAsCancelled(
  ctx: Ctx,
  before: Order,
  reason: string,
  action: 'cancelled' | 'hold_rejected',
): Promise<Order> {
  await ctx.db
    .updateTable('salesOrder')
    .set({
      status: 'cancelled',
      cancelledAt: ctx.now,
      cancelReason: reason,
      updatedAt: ctx.now,
      version: before.version + 1,
    })
    .where('id', '=', before.id)
    .execute()
  const after = await loadOrder(ctx, before.id)
  await recordAudit(ctx, {
    entityType: 'order',
    entityId: before.id,
    action,
    before: { status: before.status, version: before.version },
    after: { status: after.status, cancelReason: reason, version: after.version },
  })
  await emitEvent(ctx, {
    type: 'order.cancelled',
    entityType: 'order',
    entityId: before.id,
    payload: {
      ...orderEventPayload(after),
      reason,
      previous_status: before.status,
      credit_hold_rejected: action === 'hold_rejected',
      // Prepayments received on a cancelled order are owed back: finance needs to know.
      prepaid_total: formatAmount(before.prepaidMinor, before.currency),
    },
  })
  return after
}

export type Prepayment = { reference: string; amount: Money }

/**
 * Records a payment received ahead of shipping on an order that requires prepayment. Cash
 * application calls it when it allocates a bank line to the order; finance records it by
 * hand through POST /v1/orders/{id}/prepayment-received until then. The order may ship once
 * the prepayments cover its gross total.
 *
 *   await markOrderPrepaid(ctx, orderId, { reference: 'NL-BANK-2026-0312-17', amount: money(12100n, 'EUR') })
 */
export async function markOrderPrepaid(
  ctx: Ctx,
  orderId: string,
  prepayment: Prepayment,
): Promise<Order> {
  const reference = prepayment.reference.trim()
  const issues: FieldIssue[] = []
  if (reference === '' || reference.length > 140) {
    issues.push({ field: 'reference', message: 'must be 1–140 characters' })
  }
  if (prepayment.amount.minor <= 0n) {
    issues.push({ field: 'amount', message: 'must be above 0' })
  }
  if (issues.length > 0) throw invalid(issues)
  const before = await loadOrder(ctx, orderId, { forUpdate: true })
  if (!before.requiresPrepayment) {
    throw domainError(
      'orders.prepayment_not_required',
      `Order ${before.number} does not require prepayment; a payment for it is a matter for cash application`,
      { order: orderId },
    )
  }
  assertTransition(before, 'record_prepayment')
  if (prepayment.amount.currency !== before.currency) {
    throw domainError(
      'orders.currency_mismatch',
      `Order ${before.number} is in ${before.currency}; the prepayment is in ${prepayment.amount.currency}`,
      { field: 'currency', order_currency: before.currency },
    )
  }
  const openMinor = before.totals.grossMinor - before.prepaidMinor
  if (prepayment.amount.minor > openMinor) {
    throw domainError(
      'orders.prepayment_exceeds_open',
      `Order ${before.number} awaits ${formatAmount(openMinor, before.currency)} ${before.currency}; ${formatAmount(prepayment.amount.minor, before.currency)} was recorded`,
      {
        field: 'amount',
        open_amount: formatAmount(openMinor, before.currency),
        currency: before.currency,
      },
    )
  }
  const used = await ctx.db
    .selectFrom('orderPrepayment')
    .select('id')
    .where('orderId', '=', orderId)
    .where('reference', '=', reference)
    .executeTakeFirst()
  if (used) {
    throw domainError(
      'orders.prepayment_reference_used',
      `Prepayment ${reference} was recorded on order ${before.number} already`,
      { field: 'reference', reference },
    )
  }
  const prepaidMinor = before.prepaidMinor + prepayment.amount.minor
  const paid = prepaidMinor >= before.totals.grossMinor
  await ctx.db
    .insertInto('orderPrepayment')
    .values({
      tenantId: ctx.tenantId,
      id: newId(),
      orderId,
      reference,
      amountMinor: prepayment.amount.minor,
      currency: prepayment.amount.currency,
      receivedAt: ctx.now,
      recordedBy: ctx.actor.name,
    })
    .execute()
  await ctx.db
    .updateTable('salesOrder')
    .set({
      prepaidMinor,
      paidAt: paid ? ctx.now : null,
      updatedAt: ctx.now,
      version: before.version + 1,
    })
    .where('id', '=', orderId)
    .execute()
  const after = await loadOrder(ctx, orderId)
  await recordAudit(ctx, {
    entityType: 'order',
    entityId: orderId,
    action: 'prepayment_received',
    before: { prepaidMinor: before.prepaidMinor, paidAt: before.paidAt },
    after: { prepaidMinor, paidAt: after.paidAt, reference, amount: prepayment.amount },
  })
  await emitEvent(ctx, {
    type: 'order.prepayment_received',
    entityType: 'order',
    entityId: orderId,
    payload: {
      ...orderEventPayload(after),
      reference,
      amount: formatAmount(prepayment.amount.minor, before.currency),
      prepaid_total: formatAmount(prepaidMinor, before.currency),
      paid,
    },
  })
  return after
}

export type OrderSummary = {
  id: string
  number: number
  customerId: string
  customerReference: string
  currency: string
  status: OrderStatus
  requestedDeliveryDate: string | null
  requiresPrepayment: boolean
  paidAt: Date | null
  netMinor: bigint
  vatMinor: bigint
  grossMinor: bigint
  createdAt: Date
  version: number
}

export type OrderFilter = {
  status?: OrderStatus[]
  customerId?: string
  customerReference?: string
  /** Calendar dates in the tenant's time zone, both ends included. */
  createdFrom?: string
  createdTo?: string
  requestedDeliveryFrom?: string
  requestedDeliveryTo?: string
  /** Gross total bounds, in `currency` (required with them, so an amount means one thing). */
  currency?: string
  grossMinorMin?: bigint
  grossMinorMax?: bigint
  cursor?: string
  limit?: number
}

export async function listOrders(ctx: Ctx, filter: OrderFilter): Promise<Page<OrderSummary>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('salesOrder')
    .select([
      'id',
      'number',
      'customerId',
      'customerReference',
      'currency',
      'status',
      'requestedDeliveryDate',
      'requiresPrepayment',
      'paidAt',
      'netMinor',
      'vatMinor',
      'grossMinor',
      'createdAt',
      'version',
    ])
    .orderBy('id')
    .limit(limit + 1)
  if (after) query = query.where('id', '>', after)
  if (filter.status?.length) query = query.where('status', 'in', filter.status)
  if (filter.customerId) query = query.where('customerId', '=', filter.customerId)
  if (filter.customerReference) {
    query = query.where('customerReference', '=', filter.customerReference)
  }
  if (filter.currency) query = query.where('currency', '=', filter.currency)
  if (filter.grossMinorMin !== undefined) {
    query = query.where('grossMinor', '>=', filter.grossMinorMin)
  }
  if (filter.grossMinorMax !== undefined) {
    query = query.where('grossMinor', '<=', filter.grossMinorMax)
  }
  if (filter.requestedDeliveryFrom) {
    query = query.where('requestedDeliveryDate', '>=', filter.requestedDeliveryFrom)
  }
  if (filter.requestedDeliveryTo) {
    query = query.where('requestedDeliveryDate', '<=', filter.requestedDeliveryTo)
  }
  // A day starts at midnight in the tenant's time zone, not in UTC.
  if (filter.createdFrom) {
    query = query.where(
      sql<boolean>`created_at >= (${filter.createdFrom}::date)::timestamp at time zone ${ctx.timeZone}`,
    )
  }
  if (filter.createdTo) {
    query = query.where(
      sql<boolean>`created_at < (${filter.createdTo}::date + 1)::timestamp at time zone ${ctx.timeZone}`,
    )
  }
  return toPage(await query.execute(), limit)
}
