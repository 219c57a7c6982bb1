import type { O2cModule } from '../../platform.js'
import './errors.js'

export type { InvoiceNumber, NumberRequest } from './numbering.js'
export {
  assignInvoiceNumber,
  checkNumberFormat,
  DEFAULT_NUMBER_FORMAT,
  fiscalYearOf,
  formatInvoiceNumber,
  SERIES_PATTERN,
} from './numbering.js'
export type { InvoicingTables } from './tables.js'

// Not in src/modules.ts yet: the module has no routes, commands or jobs so far.
export const invoicingModule: O2cModule = { name: 'invoicing' }
