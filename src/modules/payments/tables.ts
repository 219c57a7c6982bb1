import type { ColumnType, Generated } from 'kysely'

// The payments module's tables as Kysely sees them (camelCase); 0010_payments.sql.

export const paymentSources = ['pay_page', 'bank', 'manual'] as const
export type PaymentSource = (typeof paymentSources)[number]

/** The statuses a provider payment (and so a checkout) can have; Mollie's, which are the trade's. */
export const checkoutStatuses = [
  'open',
  'pending',
  'paid',
  'failed',
  'canceled',
  'expired',
] as const
export type CheckoutStatus = (typeof checkoutStatuses)[number]

export const providers = ['mollie'] as const
export type ProviderName = (typeof providers)[number]

type Int8 = ColumnType<bigint, bigint, bigint>

export type PaymentTables = {
  paymentSettings: {
    tenantId: string
    payLinkSecret: Buffer
    payLinkSecretCreatedAt: Date
    provider: ProviderName | null
    providerApiKey: string | null
    providerConfiguredAt: Date | null
    updatedAt: Date
    version: Generated<number>
  }
  payment: {
    tenantId: string
    id: string
    customerId: string
    amountMinor: Int8
    currency: string
    receivedOn: string
    method: string
    source: PaymentSource
    provider: string | null
    providerPaymentId: string | null
    payerName: string | null
    payerIban: string | null
    reference: string | null
    createdAt: Date
    createdBy: string
  }
  paymentAllocation: {
    tenantId: string
    id: string
    paymentId: string
    invoiceId: string
    amountMinor: Int8
    currency: string
    settlementId: string
    /** A reversal (negative amount) names the allocation it undoes (0018). */
    reversesAllocationId: string | null
    createdAt: Date
    createdBy: string
  }
  /** A payment whose money turned out not to be the customer's (0018). */
  paymentReversal: {
    tenantId: string
    paymentId: string
    reason: string
    journalEntryId: string | null
    createdAt: Date
    createdBy: string
  }
  checkout: {
    tenantId: string
    id: string
    invoiceId: string
    provider: string
    providerPaymentId: string
    amountMinor: Int8
    currency: string
    status: CheckoutStatus
    checkoutUrl: string
    paymentId: string | null
    createdAt: Date
    updatedAt: Date
  }
  payPageVisit: {
    tenantId: string
    invoiceId: string
    recordedAt: Date
  }
}
