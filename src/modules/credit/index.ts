import type { O2cModule } from '../../platform.js'
import { handleImportedCreditLimits } from '../customers/index.js'
import { creditCommands } from './commands.js'
import './errors.js'
import { applyImportedCreditLimits } from './imported-limits.js'
import { creditRoutes } from './routes.js'

// The credit module's front door: what other modules may use.

// The customers CSV import reads `credit_limit`; credit profiles are ours, so its limits
// become limit decisions here (imported-limits.ts), under the four-eyes rule.
handleImportedCreditLimits(applyImportedCreditLimits)

export type { CreditAssessment } from './assessment.js'
export { getCreditAssessment } from './assessment.js'
export type { PaymentBehaviour, PaymentBehaviourSnapshot } from './behaviour.js'
export { latestPaymentBehaviour, recordPaymentBehaviour } from './behaviour.js'
export type {
  AssessedCreditCheck,
  CreditDecision,
  CreditHoldReason,
  OrderCreditRequest,
} from './credit-check.js'
export {
  assessOrderCredit,
  checkOrderCredit,
  lockCreditExposure,
  recordOrderCreditCheck,
} from './credit-check.js'
export type { LimitDecision, LimitProposal } from './decisions.js'
export { approveLimitDecision, proposeLimitChange, rejectLimitDecision } from './decisions.js'
export { applyImportedCreditLimits } from './imported-limits.js'
export type { CreditPolicy } from './policy.js'
export { getCreditPolicy, putCreditPolicy } from './policy.js'
export type { CreditProfile } from './profile.js'
export { getCreditProfile } from './profile.js'
export type { CreditStatus, RiskClass } from './tables.js'

export const creditModule: O2cModule = {
  name: 'credit',
  routes: creditRoutes,
  commands: creditCommands,
}
