import type { Generated } from 'kysely'

// The orders module's tables, as Kysely sees them (camelCase). numeric columns (quantities,
// rates, percentages) come back as exact decimal strings, never as floats.

export const orderStatuses = [
  'draft',
  'credit_hold',
  'confirmed',
  'partially_shipped',
  'shipped',
  'invoiced',
  'closed',
  'cancelled',
] as const
export type OrderStatus = (typeof orderStatuses)[number]

/** EN 16931 VAT category codes (UNCL5305) an order line may carry. */
export const vatCategories = ['S', 'Z', 'E', 'AE', 'K', 'G', 'O'] as const
export type VatCategory = (typeof vatCategories)[number]

export const shipmentStatuses = ['registered', 'shipped', 'delivered'] as const
export type ShipmentStatus = (typeof shipmentStatuses)[number]

export type OrderTables = {
  orderNumberCounter: { tenantId: string; lastNumber: number }
  salesOrder: {
    tenantId: string
    id: string
    number: number
    customerId: string
    customerReference: string
    currency: string
    paymentTermsDays: number
    requestedDeliveryDate: string | null
    requiresPrepayment: boolean
    status: OrderStatus
    netMinor: bigint
    vatMinor: bigint
    grossMinor: bigint
    prepaidMinor: Generated<bigint>
    paidAt: Date | null
    sourceReference: string | null
    confirmedAt: Date | null
    shippedAt: Date | null
    invoicedAt: Date | null
    closedAt: Date | null
    cancelledAt: Date | null
    cancelReason: string | null
    createdAt: Generated<Date>
    updatedAt: Date
    version: Generated<number>
  }
  salesOrderLine: {
    tenantId: string
    id: string
    orderId: string
    lineNumber: number
    itemCode: string
    description: string
    quantity: string
    unit: string
    unitPriceMinor: bigint
    discountPercent: string
    vatCategory: VatCategory
    vatRate: string
    netMinor: bigint
    shippedQuantity: Generated<string>
  }
  orderCreditHold: {
    tenantId: string
    id: string
    orderId: string
    reasons: unknown
    creditCheck: unknown
    heldAt: Date
    outcome: 'released' | 'rejected' | null
    decidedAt: Date | null
    decidedById: string | null
    decidedByName: string | null
    decisionReason: string | null
  }
  orderPrepayment: {
    tenantId: string
    id: string
    orderId: string
    reference: string
    amountMinor: bigint
    currency: string
    receivedAt: Date
    recordedBy: string
  }
  shipment: {
    tenantId: string
    id: string
    orderId: string
    customerId: string
    carrier: string
    trackingNumber: string | null
    trackingUrl: string | null
    status: ShipmentStatus
    shippedAt: Date | null
    deliveredAt: Date | null
    createdAt: Generated<Date>
    updatedAt: Date
    version: Generated<number>
  }
  shipmentLine: {
    tenantId: string
    id: string
    shipmentId: string
    orderId: string
    orderLineId: string
    quantity: string
    invoicedQuantity: Generated<string>
  }
}
