import type { ColumnType, Generated } from 'kysely'

// The billing run's tables as Kysely sees them (camelCase); migration 0009_billing_runs.sql.
// Kept apart from tables.ts so the billing run can grow without touching the invoice schema.

export const billingRunStatuses = ['running', 'completed', 'failed'] as const
export type BillingRunStatus = (typeof billingRunStatuses)[number]

export const billingRunTriggers = ['api', 'cli', 'schedule'] as const
export type BillingRunTrigger = (typeof billingRunTriggers)[number]

export type ConsolidatedFrequency = 'weekly' | 'monthly'

type Int8Default = ColumnType<bigint, bigint | number | undefined, bigint | number>

export type BillingTables = {
  billingRun: {
    tenantId: string
    id: string
    frequency: ConsolidatedFrequency | null
    periodEnd: string
    status: Generated<BillingRunStatus>
    trigger: BillingRunTrigger
    scheduleId: string | null
    invoicesCount: Generated<number>
    ordersCount: Generated<number>
    linesCount: Generated<number>
    failedCount: Generated<number>
    /** [{ customer_id, currency, code, detail }] */
    failures: ColumnType<unknown, string | undefined, string>
    error: string | null
    startedAt: Date
    startedBy: string
    finishedAt: Date | null
    updatedAt: Date
    version: Generated<number>
  }
  billingRunTotal: {
    tenantId: string
    billingRunId: string
    currency: string
    invoicesCount: Generated<number>
    netMinor: Int8Default
    vatMinor: Int8Default
    totalMinor: Int8Default
  }
  billingRunInvoice: {
    tenantId: string
    billingRunId: string
    invoiceId: string
  }
}
