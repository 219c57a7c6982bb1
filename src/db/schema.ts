import type { Generated } from 'kysely'
import type { AuditTables } from '../modules/audit/tables.js'
import type { AuthTables } from '../modules/auth/tables.js'
import type { CashappTables } from '../modules/cashapp/tables.js'
import type { CollectionsTables } from '../modules/collections/tables.js'
import type { CreditTables } from '../modules/credit/tables.js'
import type { CustomerTables } from '../modules/customers/tables.js'
import type { DeliveryTables } from '../modules/delivery/tables.js'
import type { BillingTables } from '../modules/invoicing/billing-tables.js'
import type { InvoicingTables } from '../modules/invoicing/tables.js'
import type { LedgerTables } from '../modules/ledger/tables.js'
import type { OrderTables } from '../modules/orders/tables.js'
import type { OutboxTables } from '../modules/outbox/tables.js'
import type { PaymentTables } from '../modules/payments/tables.js'

// The whole schema as Kysely sees it (camelCase; the CamelCasePlugin maps to snake_case).
// Each module declares its own tables in its tables.ts; this file only puts them together.

export type IdempotencyKeyTable = {
  tenantId: string
  key: string
  requestHash: string
  method: string
  path: string
  statusCode: number | null
  responseBody: unknown
  createdAt: Generated<Date>
}

export type Database = AuthTables &
  AuditTables &
  OutboxTables &
  CustomerTables &
  CreditTables &
  OrderTables &
  InvoicingTables &
  BillingTables &
  LedgerTables &
  DeliveryTables &
  PaymentTables &
  CashappTables &
  CollectionsTables & { idempotencyKey: IdempotencyKeyTable }
