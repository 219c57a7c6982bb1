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
  publicScope,
  startCheckout,
  type WebhookOutcome,
} from './checkout.js'
export { mollieProvider } from './mollie.js'
export {
  isGenuinePayToken,
  type PayToken,
  payPageToken,
  payPageUrl,
  readPayToken,
  rotatePayLinkSecret,
} from './pay-link.js'
// The pay page's public side for collections' self-service (/pay/<token>/dispute|promise|
// plan): the same token check, the same tenant scope, the same not-found page.
export { notFoundHtml } from './pay-page-html.js'
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
