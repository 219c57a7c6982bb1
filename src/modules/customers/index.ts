import type { O2cModule } from '../../platform.js'
import './errors.js'
import { customerRoutes } from './routes.js'

export type { Customer, CustomerGroup, CustomerSummary, NewCustomer } from './service.js'
export {
  createCustomer,
  customerGroup,
  findCustomerByNumber,
  getCustomer,
  listCustomers,
  updateCustomer,
} from './service.js'

export const customersModule: O2cModule = { name: 'customers', routes: customerRoutes }
