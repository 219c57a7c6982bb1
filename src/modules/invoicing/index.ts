import type { FastifyInstance } from 'fastify'
import type { O2cModule } from '../../platform.js'
import { billingCommands } from './billing-commands.js'
import { billingJobs } from './billing-jobs.js'
import { billingRoutes } from './billing-routes.js'
import { invoiceCommands } from './commands.js'
import './errors.js'
import { openItemsCommands } from './open-items-commands.js'
import { openItemsRoutes } from './open-items-routes.js'
import { invoicingRoutes } from './routes.js'

export {
  type BilledInvoice,
  type BillingFailure,
  type BillingOutcome,
  billOrder,
  billPrepayment,
  billShipments,
  markShipmentsOfOrderBilledWhole,
  orderBilledWhole,
  releasePrepaidOrder,
  type TenantTransactions,
} from './billing.js'
export {
  type BillingPlan,
  type BillingRun,
  type BillingRunTotal,
  getBillingRun,
  listBillingRuns,
  periodEndForScheduledRun,
  planConsolidatedBilling,
  runConsolidatedBilling,
} from './billing-run.js'
export {
  type BillingSettings,
  type BillingSettingsInput,
  documentLook,
  getBillingSettings,
  putBillingLogo,
  putBillingSettings,
  requireBillingSettings,
} from './billing-settings.js'
export {
  type CreditRequest,
  creditedQuantities,
  creditInvoice,
  creditNotesOf,
} from './credit-notes.js'
export {
  type CustomerBilling,
  type CustomerBillingInput,
  getCustomerBilling,
  putCustomerBilling,
} from './customer-billing.js'
export * from './document.js'
export {
  type AllowanceChargeInput,
  createInvoiceDraft,
  type DraftLineInput,
  deleteInvoiceDraft,
  type InvoiceDraftInput,
  invoiceLinesMax,
  type PaymentTermsInput,
  updateInvoiceDraft,
} from './drafts.js'
export {
  accountingCurrency,
  type ExchangeRate,
  listExchangeRates,
  putExchangeRate,
  rateOn,
} from './exchange-rates.js'
export { type IssueOptions, issueInvoice } from './issue.js'
export { loadInvoiceDocument } from './load-document.js'
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
  getInvoice,
  type Invoice,
  type InvoiceFilter,
  type InvoiceLine,
  type InvoiceSummary,
  type InvoiceTerms,
  listInvoices,
  listOpenItems,
  type OpenItem,
} from './queries.js'

export {
  type BulkOpenItem,
  type BulkSettlementInput,
  listSettlements,
  lockOpenAmounts,
  type OpenAmount,
  openAmount,
  openItemsInBulk,
  reverseSettlement,
  type Settlement,
  type SettlementInput,
  settleInvoice,
  settleInvoicesInBulk,
  type VatShare,
  vatBreakdownOf,
} from './settlements.js'
export {
  type CustomerStatements,
  customerStatement,
  customerStatementPdf,
  type StatementOptions,
  statementChargeCsvColumns,
  statementChargesCsv,
  statementCsv,
  statementPaymentsCsv,
} from './statement.js'
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

async function routes(app: FastifyInstance): Promise<void> {
  await invoicingRoutes(app)
  await billingRoutes(app)
}

export const invoicingModule: O2cModule = {
  name: 'invoicing',
  routes,
  commands: (program, cli) => {
    invoiceCommands(program, cli)
    billingCommands(program, cli)
  },
  jobs: { ...billingJobs },
}

/**
 * Opening balances: `o2c invoices import-open-items` and POST /v1/invoices/open-items-import.
 * A module of its own in src/modules.ts, so it sits beside whatever else invoicing registers.
 */
export const openItemsImportModule: O2cModule = {
  name: 'invoicing-open-items',
  routes: openItemsRoutes,
  commands: openItemsCommands,
}
