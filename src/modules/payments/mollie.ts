import { domainError } from '../../core/errors.js'
import { formatAmount, isCurrency, parseAmount } from '../../core/money.js'
import type { NewProviderPayment, PaymentProvider, ProviderPayment } from './provider.js'
import { type CheckoutStatus, checkoutStatuses } from './tables.js'

// The Mollie adapter, after Mollie's Payments API v2:
//   POST {base}payments   { amount: { currency, value: "10.00" }, description, redirectUrl,
//                           webhookUrl, metadata }  → 201 { id: "tr_…", status, _links.checkout }
//   GET  {base}payments/{id}                          → 200 the payment, 404 when unknown
// with "Authorization: Bearer <api key>". Mollie calls the webhook with a form body id=tr_…
// and nothing else; the status is fetched back here.
//
// Why fetch and not @mollie/api-client (installed): its client always sends requests through
// an https.Agent with Mollie's own CA bundle, so its `apiEndpoint` option can name another
// host but not a plain-http local server (node-fetch refuses: 'Protocol "http:" not
// supported'). Our tests talk to a local server that speaks Mollie's API (test/fake-mollie.ts),
// and the two calls we need are small.

// Mollie answers in well under a second; a checkout button that hangs longer helps no one.
const requestTimeoutMs = 10_000

export function mollieProvider(options: { apiKey: string; baseUrl: string }): PaymentProvider {
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`
  const request = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    let response: Response
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          accept: 'application/hal+json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(requestTimeoutMs),
      })
    } catch (error) {
      throw providerFailed(`${method} ${path}: ${(error as Error).message}`)
    }
    const text = await response.text()
    let json: any
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      throw providerFailed(`${method} ${path} answered ${response.status} without JSON`)
    }
    return { status: response.status, json }
  }

  return {
    name: 'mollie',
    async createPayment(payment: NewProviderPayment) {
      const { status, json } = await request('POST', 'payments', {
        amount: {
          currency: payment.amount.currency,
          value: formatAmount(payment.amount.minor, payment.amount.currency),
        },
        description: payment.description,
        redirectUrl: payment.redirectUrl,
        webhookUrl: payment.webhookUrl,
        metadata: payment.metadata,
      })
      const checkoutUrl = json?._links?.checkout?.href
      if (status !== 201 || typeof json?.id !== 'string' || typeof checkoutUrl !== 'string') {
        throw providerFailed(`POST payments answered ${status}: ${json?.detail ?? ''}`.trim())
      }
      return { id: json.id, checkoutUrl, status: statusOf(json.status) }
    },
    async getPayment(id: string) {
      const { status, json } = await request('GET', `payments/${encodeURIComponent(id)}`)
      if (status === 404) return undefined
      if (status !== 200 || json?.id !== id) {
        throw providerFailed(`GET payments/${id} answered ${status}: ${json?.detail ?? ''}`.trim())
      }
      return paymentOf(json)
    },
  }
}

function paymentOf(json: any): ProviderPayment {
  const currency = String(json.amount?.currency ?? '')
  const minor = isCurrency(currency) ? parseAmount(String(json.amount?.value), currency) : undefined
  if (minor === undefined) throw providerFailed(`payment ${json.id} has no amount o2c can read`)
  const details = json.details ?? {}
  return {
    id: json.id,
    status: statusOf(json.status),
    amount: { minor, currency },
    method: methodOf(json.method),
    paidAt: json.paidAt ? new Date(json.paidAt) : null,
    metadata: json.metadata && typeof json.metadata === 'object' ? json.metadata : {},
    payer: {
      name: typeof details.consumerName === 'string' ? details.consumerName : undefined,
      iban: typeof details.consumerAccount === 'string' ? details.consumerAccount : undefined,
    },
  }
}

function statusOf(status: unknown): CheckoutStatus {
  if ((checkoutStatuses as readonly unknown[]).includes(status)) return status as CheckoutStatus
  // Mollie's "authorized" (pay later methods) is not money received yet.
  if (status === 'authorized') return 'pending'
  throw providerFailed(`a payment has status ${String(status)}, which o2c does not know`)
}

// Mollie's method names where o2c's differ; the rest (ideal, bancontact, paypal, …) are kept.
const methodNames: Record<string, string> = {
  creditcard: 'card',
  banktransfer: 'bank_transfer',
  directdebit: 'direct_debit',
}

function methodOf(method: unknown): string | null {
  if (typeof method !== 'string' || method === '') return null
  const name = methodNames[method] ?? method
  return /^[a-z0-9_]{1,40}$/.test(name) ? name : 'other'
}

function providerFailed(detail: string) {
  return domainError('payments.provider_failed', `Mollie: ${detail}`, { provider: 'mollie' })
}
