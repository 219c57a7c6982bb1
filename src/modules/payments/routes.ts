import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { invalid } from '../../core/errors.js'
import { formatAmount, isCurrency, parseAmount } from '../../core/money.js'
import {
  calendarDate,
  decimalString,
  idParam,
  pageOf,
  pageQuery,
  problemReplies,
} from '../../http/schemas.js'
import { read, write } from '../../http/unit-of-work.js'
import {
  configurePaymentProvider,
  type ProviderSettings,
  paymentProviderSettings,
} from './checkout.js'
import { rotatePayLinkSecret } from './pay-link.js'
import {
  allocatePayment,
  allocationsPerRequestMax,
  getPayment,
  listPayments,
  type Payment,
  type PaymentSummary,
  recordPayment,
} from './service.js'
import { paymentSources, providers } from './tables.js'

// Payments as the API speaks them: snake_case, money as decimal strings with the currency.

const allocationOut = z.object({
  id: z.uuid(),
  invoice_id: z.uuid(),
  amount: z.string(),
  currency: z.string(),
  settlement_id: z.uuid(),
  created_at: z.string(),
  created_by: z.string(),
})

const paymentSummaryShape = {
  id: z.uuid(),
  customer_id: z.uuid(),
  amount: z.string(),
  currency: z.string(),
  received_on: z.string(),
  method: z.string(),
  source: z.enum(paymentSources),
  provider: z.string().nullable(),
  provider_payment_id: z.string().nullable(),
  payer_name: z.string().nullable(),
  payer_iban: z.string().nullable(),
  reference: z.string().nullable(),
  allocated: z.string().describe('the part allocated to invoices'),
  unallocated: z.string().describe('amount − allocations: unapplied cash on the customer'),
  created_at: z.string(),
  created_by: z.string(),
}
const paymentSummaryOut = z.object(paymentSummaryShape)
const paymentOut = z.object({ ...paymentSummaryShape, allocations: z.array(allocationOut) })

const newPaymentIn = z.object({
  customer_id: z.uuid(),
  amount: decimalString.describe('above 0, with at most the currency’s decimals'),
  currency: z.string().length(3),
  received_on: calendarDate.optional().describe("default today in the tenant's time zone"),
  method: z.string().max(40).describe('ideal, card, bank_transfer, …'),
  source: z.enum(['bank', 'manual']).default('manual'),
  payer_name: z.string().max(200).optional(),
  payer_iban: z.string().max(42).optional(),
  reference: z.string().max(140).optional(),
})

const allocationsIn = z.object({
  allocations: z
    .array(z.object({ invoice_id: z.uuid(), amount: decimalString }))
    .min(1)
    .max(allocationsPerRequestMax),
})

const providerIn = z.object({
  provider: z.enum(providers),
  api_key: z.string().min(8).max(200).describe('kept, and never shown again'),
})
const providerOut = z.object({
  provider: z.enum(providers).nullable(),
  configured_at: z.string().nullable(),
})

function summaryToApi(p: PaymentSummary) {
  const amount = (minor: bigint) => formatAmount(minor, p.currency)
  return {
    id: p.id,
    customer_id: p.customerId,
    amount: amount(p.amountMinor),
    currency: p.currency,
    received_on: p.receivedOn,
    method: p.method,
    source: p.source,
    provider: p.provider,
    provider_payment_id: p.providerPaymentId,
    payer_name: p.payerName,
    payer_iban: p.payerIban,
    reference: p.reference,
    allocated: amount(p.allocatedMinor),
    unallocated: amount(p.unallocatedMinor),
    created_at: p.createdAt.toISOString(),
    created_by: p.createdBy,
  }
}

function paymentToApi(p: Payment) {
  return {
    ...summaryToApi(p),
    allocations: p.allocations.map((a) => ({
      id: a.id,
      invoice_id: a.invoiceId,
      amount: formatAmount(a.amountMinor, a.currency),
      currency: a.currency,
      settlement_id: a.settlementId,
      created_at: a.createdAt.toISOString(),
      created_by: a.createdBy,
    })),
  }
}

function amountIn(text: string, currency: string, field: string): bigint {
  const minor = parseAmount(text, currency)
  if (minor === undefined) throw invalid([{ field, message: `is not an amount in ${currency}` }])
  return minor
}

export async function paymentRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/payments',
    {
      config: { permission: 'payments.record' },
      schema: {
        summary: 'Record money received; it is unapplied cash on the customer until allocated',
        tags: ['payments'],
        body: newPaymentIn,
        response: { 201: paymentOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const body = request.body
        const currency = body.currency.toUpperCase()
        if (!isCurrency(currency)) {
          throw invalid([{ field: 'currency', message: 'is not a known currency' }])
        }
        const payment = await recordPayment(ctx, {
          customerId: body.customer_id,
          amountMinor: amountIn(body.amount, currency, 'amount'),
          currency,
          receivedOn: body.received_on,
          method: body.method,
          source: body.source,
          payerName: body.payer_name,
          payerIban: body.payer_iban,
          reference: body.reference,
        })
        return paymentToApi(payment)
      }),
  )

  r.get(
    '/payments',
    {
      config: { permission: 'payments.read' },
      schema: {
        summary: 'Find payments',
        tags: ['payments'],
        querystring: z.object({
          customer_id: z.uuid().optional(),
          unallocated: z
            .enum(['true', 'false'])
            .optional()
            .describe('true: only payments with something left to allocate'),
          ...pageQuery,
        }),
        response: { 200: pageOf(paymentSummaryOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        listPayments(ctx, {
          customerId: q.customer_id,
          unallocatedOnly: q.unallocated === 'true',
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(summaryToApi), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/payments/:id',
    {
      config: { permission: 'payments.read' },
      schema: {
        summary: 'A payment with its allocations',
        tags: ['payments'],
        params: idParam,
        response: { 200: paymentOut, ...problemReplies },
      },
    },
    async (request) =>
      paymentToApi(await read(request, (ctx) => getPayment(ctx, request.params.id))),
  )

  r.post(
    '/payments/:id/allocations',
    {
      config: { permission: 'payments.record' },
      schema: {
        summary: 'Allocate a payment to open invoices of its customer (all or nothing)',
        tags: ['payments'],
        params: idParam,
        body: allocationsIn,
        response: { 201: paymentOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const payment = await getPayment(ctx, request.params.id)
        const allocated = await allocatePayment(
          ctx,
          payment.id,
          request.body.allocations.map((a, index) => ({
            invoiceId: a.invoice_id,
            amountMinor: amountIn(a.amount, payment.currency, `allocations[${index}].amount`),
          })),
        )
        return paymentToApi(allocated)
      }),
  )

  r.put(
    '/payment-provider',
    {
      config: { permission: 'payments.record' },
      schema: {
        summary: 'Set the payment provider behind "pay now" and its API key',
        tags: ['payments'],
        body: providerIn,
        response: { 200: providerOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const settings = await configurePaymentProvider(ctx, {
          provider: request.body.provider,
          apiKey: request.body.api_key,
        })
        return providerToApi(settings)
      }),
  )

  r.get(
    '/payment-provider',
    {
      config: { permission: 'payments.read' },
      schema: {
        summary: 'Which payment provider is configured (never its key)',
        tags: ['payments'],
        response: { 200: providerOut, ...problemReplies },
      },
    },
    async (request) => providerToApi(await read(request, paymentProviderSettings)),
  )

  r.post(
    '/pay-links/rotate-secret',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Sign pay-page links with a new secret: every link given out stops working',
        tags: ['payments'],
        response: { 200: z.object({ rotated_at: z.string() }), ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const { rotatedAt } = await rotatePayLinkSecret(ctx)
        return { rotated_at: rotatedAt.toISOString() }
      }),
  )
}

function providerToApi(settings: ProviderSettings) {
  return {
    provider: settings.provider,
    configured_at: settings.configuredAt?.toISOString() ?? null,
  }
}
