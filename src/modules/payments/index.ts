import type { O2cModule } from '../../platform.js'
import './errors.js'
import { paymentPublicRoutes } from './public-routes.js'
import { paymentRoutes } from './routes.js'

export {
  type BankPaymentInput,
  type PaymentReversed,
  recordBankPaymentsInBulk,
  reversePayment,
} from './bank-payments.js'
export {
  type Checkout,
  checkoutsOfInvoice,
  configurePaymentProvider,
  handleProviderWebhook,
  type ProviderSettings,
  paymentProviderSettings,
  startCheckout,
  type WebhookOutcome,
} from './checkout.js'
export { mollieProvider } from './mollie.js'
export { payPageUrl, rotatePayLinkSecret } from './pay-link.js'
export type {
  NewProviderPayment,
  PaymentProvider,
  ProviderAmount,
  ProviderPayment,
} from './provider.js'
export {
  type Allocation,
  type AllocationRequest,
  allocatePayment,
  getPayment,
  listPayments,
  type NewPayment,
  type Payment,
  type PaymentFilter,
  type PaymentSummary,
  recordPayment,
} from './service.js'
export {
  type CheckoutStatus,
  checkoutStatuses,
  type PaymentSource,
  paymentSources,
} from './tables.js'

export const paymentsModule: O2cModule = {
  name: 'payments',
  routes: paymentRoutes,
  publicRoutes: paymentPublicRoutes,
}
