import type { O2cModule } from '../../platform.js'
import { customerCommands } from './commands.js'
import './errors.js'
import { customerRoutes } from './routes.js'

export type { CsvSource, ImportColumn, ImportedRow } from './csv-rows.js'
export { importColumns, readCustomerCsv } from './csv-rows.js'
export type {
  ImportedCreditLimit,
  ImportedCreditLimitsHandler,
  ImportedCreditLimitsOutcome,
  ImportOptions,
  ImportSummary,
} from './import-customers.js'
export { handleImportedCreditLimits, importCustomers } from './import-customers.js'
export { type CustomerByNumber, customersByNumber } from './lookup.js'
export type {
  Customer,
  CustomerGroup,
  CustomerHeader,
  CustomerSummary,
  NewCustomer,
} from './service.js'
export {
  createCustomer,
  customerGroup,
  findCustomerByNumber,
  getCustomer,
  getCustomerHeader,
  listCustomers,
  updateCustomer,
} from './service.js'

export const customersModule: O2cModule = {
  name: 'customers',
  routes: customerRoutes,
  commands: customerCommands,
}
