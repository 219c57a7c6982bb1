import { z } from 'zod'
import { formatAmount } from '../../core/money.js'
import { calendarDate, decimalString } from '../../http/schemas.js'
import type { OrderOnHold } from './confirmation.js'
import type { Order } from './order-store.js'
import type { LineInput } from './pricing.js'
import { decimalText, orderLinesMax } from './pricing.js'
import type { NewOrder, OrderSummary } from './service.js'
import type { Shipment } from './shipments.js'
import { orderStatuses, shipmentStatuses, vatCategories } from './tables.js'
import type { UninvoicedShipmentLine } from './uninvoiced.js'

// Orders and shipments as the API speaks them: snake_case, money as decimal strings in the
// order's currency, quantities and rates as decimal strings. Shared by routes and the docs.

/** Quantities, percentages and rates: a decimal string ("2.5"), or a whole JSON number. */
const decimalIn = z.union([decimalString, z.number().int()])

export const orderLineIn = z.object({
  item_code: z.string().max(64).describe('the article or service code'),
  description: z.string().max(500).optional(),
  quantity: decimalIn.describe('above 0, at most 4 decimals'),
  unit: z.string().max(16).optional().describe('UN/ECE Rec. 20 unit code; default C62 (piece)'),
  unit_price: decimalString.describe('in the order currency, with at most its decimals'),
  discount_percent: decimalIn.optional().describe('line discount, 0–100; default 0'),
  vat_category: z.enum(vatCategories).describe('EN 16931 VAT category code'),
  vat_rate: decimalIn.describe('percent; above 0 for S, 0 for the other categories'),
})

const orderFieldsIn = {
  customer_reference: z.string().max(100).optional().describe("the customer's PO number"),
  currency: z.string().length(3).optional().describe("ISO 4217; default the customer's"),
  payment_terms_days: z.number().int().min(0).max(365).optional(),
  requested_delivery_date: calendarDate.nullable().optional(),
  requires_prepayment: z.boolean().optional(),
  lines: z.array(orderLineIn).max(orderLinesMax),
}

export const newOrderIn = z.object({
  customer_id: z.uuid(),
  ...orderFieldsIn,
  lines: orderFieldsIn.lines.default([]),
  confirm: z.boolean().optional().describe('confirm at once (credit check included)'),
})

export const orderPatchIn = z
  .object({ customer_id: z.uuid(), ...orderFieldsIn })
  .partial()
  .describe('a draft only; lines, when sent, replace all lines')

type OrderFieldsBody = z.infer<typeof orderPatchIn>

function linesFromApi(lines: z.infer<typeof orderLineIn>[]): LineInput[] {
  return lines.map((l) => ({
    itemCode: l.item_code,
    description: l.description,
    quantity: String(l.quantity),
    unit: l.unit,
    unitPrice: l.unit_price,
    discountPercent: l.discount_percent === undefined ? undefined : String(l.discount_percent),
    vatCategory: l.vat_category,
    vatRate: String(l.vat_rate),
  }))
}

/** API fields → service fields; only what was sent, so a PATCH changes only those. */
export function orderFromApi(body: OrderFieldsBody): Partial<NewOrder> {
  const out: Partial<NewOrder> = {}
  if (body.customer_id !== undefined) out.customerId = body.customer_id
  if (body.customer_reference !== undefined) out.customerReference = body.customer_reference
  if (body.currency !== undefined) out.currency = body.currency
  if (body.payment_terms_days !== undefined) out.paymentTermsDays = body.payment_terms_days
  if (body.requested_delivery_date !== undefined) {
    out.requestedDeliveryDate = body.requested_delivery_date
  }
  if (body.requires_prepayment !== undefined) out.requiresPrepayment = body.requires_prepayment
  if (body.lines !== undefined) out.lines = linesFromApi(body.lines)
  return out
}

const holdReason = z.object({ code: z.string(), detail: z.string() })

export const orderOut = z.object({
  id: z.string(),
  number: z.number(),
  customer_id: z.string(),
  customer_reference: z.string(),
  currency: z.string(),
  payment_terms_days: z.number(),
  requested_delivery_date: z.string().nullable(),
  requires_prepayment: z.boolean(),
  status: z.enum(orderStatuses),
  lines: z.array(
    z.object({
      id: z.string(),
      line_number: z.number(),
      item_code: z.string(),
      description: z.string(),
      quantity: z.string(),
      unit: z.string(),
      unit_price: z.string(),
      discount_percent: z.string(),
      vat_category: z.enum(vatCategories),
      vat_rate: z.string(),
      net_amount: z.string(),
      quantity_shipped: z.string(),
    }),
  ),
  vat_breakdown: z.array(
    z.object({
      vat_category: z.enum(vatCategories),
      vat_rate: z.string(),
      taxable_amount: z.string(),
      vat_amount: z.string(),
    }),
  ),
  net_total: z.string(),
  vat_total: z.string(),
  gross_total: z.string(),
  prepayment: z
    .object({ received: z.string(), open: z.string(), paid_at: z.string().nullable() })
    .nullable()
    .describe('null when the order does not require prepayment'),
  credit_hold: z
    .object({
      reasons: z.array(holdReason),
      credit_check: z.record(z.string(), z.unknown()),
      held_at: z.string(),
      decision: z
        .object({
          outcome: z.enum(['released', 'rejected']),
          reason: z.string(),
          decided_by: z.string(),
          decided_at: z.string(),
        })
        .nullable(),
    })
    .nullable(),
  cancel_reason: z.string().nullable(),
  source_reference: z.string().nullable().describe('order_ref of the CSV import'),
  confirmed_at: z.string().nullable(),
  shipped_at: z.string().nullable(),
  invoiced_at: z.string().nullable(),
  closed_at: z.string().nullable(),
  cancelled_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number(),
})

const iso = (d: Date | null) => d?.toISOString() ?? null

export function orderToApi(o: Order): z.infer<typeof orderOut> {
  const amount = (minor: bigint) => formatAmount(minor, o.currency)
  const hold = o.creditHold
  return {
    id: o.id,
    number: o.number,
    customer_id: o.customerId,
    customer_reference: o.customerReference,
    currency: o.currency,
    payment_terms_days: o.paymentTermsDays,
    requested_delivery_date: o.requestedDeliveryDate,
    requires_prepayment: o.requiresPrepayment,
    status: o.status,
    lines: o.lines.map((l) => ({
      id: l.id,
      line_number: l.lineNumber,
      item_code: l.itemCode,
      description: l.description,
      quantity: decimalText(l.quantity),
      unit: l.unit,
      unit_price: amount(l.unitPriceMinor),
      discount_percent: decimalText(l.discountPercent),
      vat_category: l.vatCategory,
      vat_rate: decimalText(l.vatRate),
      net_amount: amount(l.netMinor),
      quantity_shipped: decimalText(l.shippedQuantity),
    })),
    vat_breakdown: o.totals.vatBreakdown.map((g) => ({
      vat_category: g.vatCategory,
      vat_rate: decimalText(g.vatRate),
      taxable_amount: amount(g.taxableMinor),
      vat_amount: amount(g.vatMinor),
    })),
    net_total: amount(o.totals.netMinor),
    vat_total: amount(o.totals.vatMinor),
    gross_total: amount(o.totals.grossMinor),
    prepayment: o.requiresPrepayment
      ? {
          received: amount(o.prepaidMinor),
          open: amount(o.totals.grossMinor - o.prepaidMinor),
          paid_at: iso(o.paidAt),
        }
      : null,
    credit_hold: hold
      ? {
          reasons: hold.reasons,
          credit_check: hold.creditCheck,
          held_at: hold.heldAt.toISOString(),
          decision:
            hold.outcome && hold.decidedAt
              ? {
                  outcome: hold.outcome,
                  reason: hold.decisionReason ?? '',
                  decided_by: hold.decidedBy?.name ?? '',
                  decided_at: hold.decidedAt.toISOString(),
                }
              : null,
        }
      : null,
    cancel_reason: o.cancelReason,
    source_reference: o.sourceReference,
    confirmed_at: iso(o.confirmedAt),
    shipped_at: iso(o.shippedAt),
    invoiced_at: iso(o.invoicedAt),
    closed_at: iso(o.closedAt),
    cancelled_at: iso(o.cancelledAt),
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
    version: o.version,
  }
}

export const orderSummaryOut = z.object({
  id: z.string(),
  number: z.number(),
  customer_id: z.string(),
  customer_reference: z.string(),
  currency: z.string(),
  status: z.enum(orderStatuses),
  requested_delivery_date: z.string().nullable(),
  requires_prepayment: z.boolean(),
  paid_at: z.string().nullable(),
  net_total: z.string(),
  vat_total: z.string(),
  gross_total: z.string(),
  created_at: z.string(),
  version: z.number(),
})

export function orderSummaryToApi(o: OrderSummary): z.infer<typeof orderSummaryOut> {
  return {
    id: o.id,
    number: o.number,
    customer_id: o.customerId,
    customer_reference: o.customerReference,
    currency: o.currency,
    status: o.status,
    requested_delivery_date: o.requestedDeliveryDate,
    requires_prepayment: o.requiresPrepayment,
    paid_at: iso(o.paidAt),
    net_total: formatAmount(o.netMinor, o.currency),
    vat_total: formatAmount(o.vatMinor, o.currency),
    gross_total: formatAmount(o.grossMinor, o.currency),
    created_at: o.createdAt.toISOString(),
    version: o.version,
  }
}

export const orderOnHoldOut = z.object({
  id: z.string(),
  number: z.number(),
  customer_id: z.string(),
  customer_reference: z.string(),
  currency: z.string(),
  gross_total: z.string(),
  requires_prepayment: z.boolean(),
  reasons: z.array(holdReason),
  credit_check: z.record(z.string(), z.unknown()),
  held_at: z.string(),
  version: z.number(),
})

export function orderOnHoldToApi(o: OrderOnHold): z.infer<typeof orderOnHoldOut> {
  return {
    id: o.id,
    number: o.number,
    customer_id: o.customerId,
    customer_reference: o.customerReference,
    currency: o.currency,
    gross_total: formatAmount(o.grossMinor, o.currency),
    requires_prepayment: o.requiresPrepayment,
    reasons: o.reasons,
    credit_check: o.creditCheck,
    held_at: o.heldAt.toISOString(),
    version: o.version,
  }
}

export const shipmentIn = z.object({
  order_id: z.uuid(),
  carrier: z.string().max(40).optional().describe('postnl, dhl, dpd, ups, gls or another name'),
  tracking_number: z.string().max(64).nullable().optional(),
  tracking_url: z
    .url()
    .max(500)
    .nullable()
    .optional()
    .describe("built from the carrier's template when not given"),
  shipped_at: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .describe('default now; null registers the parcel until the carrier reports it shipped'),
  lines: z
    .array(z.object({ order_line_id: z.uuid(), quantity: decimalIn }))
    .min(1)
    .max(orderLinesMax),
})

export const shipmentOut = z.object({
  id: z.string(),
  order_id: z.string(),
  order_number: z.number(),
  customer_id: z.string(),
  carrier: z.string(),
  tracking_number: z.string().nullable(),
  tracking_url: z.string().nullable(),
  status: z.enum(shipmentStatuses),
  shipped_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  lines: z.array(
    z.object({
      id: z.string(),
      order_line_id: z.string(),
      line_number: z.number(),
      item_code: z.string(),
      description: z.string(),
      quantity: z.string(),
      unit: z.string(),
      quantity_invoiced: z.string(),
    }),
  ),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number(),
})

export function shipmentToApi(s: Shipment): z.infer<typeof shipmentOut> {
  return {
    id: s.id,
    order_id: s.orderId,
    order_number: s.orderNumber,
    customer_id: s.customerId,
    carrier: s.carrier,
    tracking_number: s.trackingNumber,
    tracking_url: s.trackingUrl,
    status: s.status,
    shipped_at: iso(s.shippedAt),
    delivered_at: iso(s.deliveredAt),
    lines: s.lines.map((l) => ({
      id: l.id,
      order_line_id: l.orderLineId,
      line_number: l.lineNumber,
      item_code: l.itemCode,
      description: l.description,
      quantity: decimalText(l.quantity),
      unit: l.unit,
      quantity_invoiced: decimalText(l.invoicedQuantity),
    })),
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    version: s.version,
  }
}

export const uninvoicedLineOut = z.object({
  shipment_line_id: z.string(),
  shipment_id: z.string(),
  shipped_at: z.string(),
  customer_id: z.string(),
  order_id: z.string(),
  order_number: z.number(),
  customer_reference: z.string(),
  order_line_id: z.string(),
  line_number: z.number(),
  item_code: z.string(),
  description: z.string(),
  quantity: z.string().describe('shipped and not yet invoiced'),
  unit: z.string(),
  currency: z.string(),
  unit_price: z.string(),
  discount_percent: z.string(),
  vat_category: z.enum(vatCategories),
  vat_rate: z.string(),
  net_amount: z.string().describe('of the uninvoiced quantity, rounded once'),
})

export function uninvoicedLineToApi(l: UninvoicedShipmentLine): z.infer<typeof uninvoicedLineOut> {
  return {
    shipment_line_id: l.shipmentLineId,
    shipment_id: l.shipmentId,
    shipped_at: l.shippedAt.toISOString(),
    customer_id: l.customerId,
    order_id: l.orderId,
    order_number: l.orderNumber,
    customer_reference: l.customerReference,
    order_line_id: l.orderLineId,
    line_number: l.lineNumber,
    item_code: l.itemCode,
    description: l.description,
    quantity: decimalText(l.quantity),
    unit: l.unit,
    currency: l.currency,
    unit_price: formatAmount(l.unitPriceMinor, l.currency),
    discount_percent: decimalText(l.discountPercent),
    vat_category: l.vatCategory,
    vat_rate: decimalText(l.vatRate),
    net_amount: formatAmount(l.netMinor, l.currency),
  }
}

export const rowIssueOut = z.object({ line: z.number(), field: z.string(), message: z.string() })
