import type { O2cModule } from '../../platform.js'
import './errors.js'

export {
  type BillingSettings,
  type BillingSettingsInput,
  getBillingSettings,
  putBillingLogo,
  putBillingSettings,
  requireBillingSettings,
} from './billing-settings.js'
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
