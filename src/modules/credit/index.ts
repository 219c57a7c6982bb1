import type { O2cModule } from '../../platform.js'
import './errors.js'
import { creditRoutes } from './routes.js'

export type {
  CreditDecision,
  CreditHoldReason,
  OrderCreditRequest,
} from './credit-check.js'
export { checkOrderCredit, lockCreditExposure } from './credit-check.js'
export type { CreditPolicy } from './policy.js'
export { getCreditPolicy } from './policy.js'
export type { CreditProfile } from './profile.js'
export { getCreditProfile } from './profile.js'
export type { CreditStatus, RiskClass } from './tables.js'

export const creditModule: O2cModule = { name: 'credit', routes: creditRoutes }
