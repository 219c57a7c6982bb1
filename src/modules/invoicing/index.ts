import type { O2cModule } from '../../platform.js'
import './errors.js'
import { openItemsCommands } from './open-items-commands.js'
import { openItemsRoutes } from './open-items-routes.js'

export * from './document.js'
export type { InvoiceNumber, NumberRequest } from './numbering.js'
export {
  assignInvoiceNumber,
  checkNumberFormat,
  DEFAULT_NUMBER_FORMAT,
  fiscalYearOf,
  formatInvoiceNumber,
  SERIES_PATTERN,
} from './numbering.js'
export {
  importOpenItems,
  type OpenItemsImportOptions,
  type OpenItemsImportSummary,
} from './open-items-import.js'
export {
  listSettlements,
  type OpenAmount,
  openAmount,
  reverseSettlement,
  type Settlement,
  type SettlementInput,
  settleInvoice,
} from './settlements.js'
export type { InvoicingTables } from './tables.js'
export {
  type BillingFrequency,
  billingFrequencies,
  type InvoiceChannel,
  type InvoiceOrigin,
  invoiceChannels,
  invoiceOrigins,
  type SettlementKind,
  settlementKinds,
} from './tables.js'
export {
  type InvoiceStep,
  invoiceSteps,
  invoiceTimeline,
  recordInvoiceStep,
  type StepChannel,
  type TimelineStep,
} from './timeline.js'
export { type ComputedTotals, computeTotals, defaultExemption } from './totals.js'

export const invoicingModule: O2cModule = { name: 'invoicing' }

/**
 * Opening balances: `o2c invoices import-open-items` and POST /v1/invoices/open-items-import.
 * A module of its own in src/modules.ts, so it sits beside whatever else invoicing registers.
 */
export const openItemsImportModule: O2cModule = {
  name: 'invoicing-open-items',
  routes: openItemsRoutes,
  commands: openItemsCommands,
}
