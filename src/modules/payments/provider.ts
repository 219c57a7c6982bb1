import type { CheckoutStatus } from './tables.js'

// What o2c needs from a payment provider: start a payment the customer completes on the
// provider's checkout page, and read a payment back. The provider calls our webhook with only
// the payment's id; the status always comes from getPayment, never from the webhook's body.

export type ProviderAmount = { minor: bigint; currency: string }

export type NewProviderPayment = {
  amount: ProviderAmount
  description: string
  /** Where the provider sends the customer after the checkout. */
  redirectUrl: string
  /** Where the provider reports a change of status. */
  webhookUrl: string
  metadata: Record<string, string>
}

export type ProviderPayment = {
  id: string
  status: CheckoutStatus
  amount: ProviderAmount
  /** o2c's name of the method: ideal, card, bank_transfer, …; null until the customer chose. */
  method: string | null
  paidAt: Date | null
  metadata: Record<string, unknown>
  /** Who paid, when the provider tells (iDEAL and bank transfers do). */
  payer?: { name?: string; iban?: string }
}

export interface PaymentProvider {
  readonly name: string
  createPayment(payment: NewProviderPayment): Promise<{
    id: string
    checkoutUrl: string
    status: CheckoutStatus
  }>
  /** The payment as the provider has it now; undefined when the provider knows no such id. */
  getPayment(id: string): Promise<ProviderPayment | undefined>
}
