import type { ColumnType, Generated } from 'kysely'

// Delivery's table as Kysely sees it (camelCase); 0011_delivery.sql.

export const deliveryChannels = ['email', 'peppol', 'portal'] as const
export type DeliveryChannel = (typeof deliveryChannels)[number]

export const deliveryStatuses = ['queued', 'sent', 'delivered', 'bounced'] as const
export type DeliveryStatus = (typeof deliveryStatuses)[number]

export type DeliverySubject = 'invoice' | 'shipment_notice'

export type DeliveryTables = {
  delivery: {
    tenantId: string
    id: string
    subject: DeliverySubject
    invoiceId: string | null
    shipmentId: string | null
    channel: DeliveryChannel
    recipient: string | null
    status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>
    messageId: string | null
    attempts: Generated<number>
    lastError: string | null
    sourceEventId: string | null
    createdAt: Date
    sentAt: Date | null
    settledAt: Date | null
    updatedAt: Date
  }
}
