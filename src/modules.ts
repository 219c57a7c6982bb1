import { auditModule } from './modules/audit/index.js'
import { authModule } from './modules/auth/index.js'
import { cashappModule } from './modules/cashapp/index.js'
import { collectionsModule } from './modules/collections/index.js'
import { creditModule } from './modules/credit/index.js'
import { customersModule } from './modules/customers/index.js'
import { deliveryModule } from './modules/delivery/index.js'
import { einvoiceModule } from './modules/einvoice/index.js'
import { invoicingModule, openItemsImportModule } from './modules/invoicing/index.js'
import { ledgerModule } from './modules/ledger/index.js'
import { ordersModule } from './modules/orders/index.js'
import { outboxModule } from './modules/outbox/index.js'
import { paymentsModule } from './modules/payments/index.js'
import type { JobHandler, O2cModule } from './platform.js'

// Every stage of o2c, in the order their commands appear in `o2c --help`.
export const modules: O2cModule[] = [
  authModule,
  customersModule,
  creditModule,
  ordersModule,
  invoicingModule,
  einvoiceModule,
  openItemsImportModule,
  deliveryModule,
  paymentsModule,
  cashappModule,
  collectionsModule,
  ledgerModule,
  auditModule,
  outboxModule,
]

export function jobHandlers(): Record<string, JobHandler> {
  return Object.assign({}, ...modules.map((m) => m.jobs ?? {}))
}
