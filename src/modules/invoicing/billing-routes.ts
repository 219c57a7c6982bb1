import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { formatAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { calendarDate, idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { read, write } from '../../http/unit-of-work.js'
import {
  type BillingOutcome,
  billOrder,
  billPrepayment,
  billShipments,
  type TenantTransactions,
} from './billing.js'
import {
  type BillingPlan,
  type BillingRun,
  type BillingRunTotal,
  getBillingRun,
  listBillingRuns,
  planConsolidatedBilling,
  runConsolidatedBilling,
} from './billing-run.js'
import { billingRunStatuses } from './billing-tables.js'
import type { Invoice } from './queries.js'

// Routes where invoices come from: bill on order, prepayment invoice, bill on shipment, and
// the consolidated billing run. Bill on order and the prepayment invoice are one transaction
// (and take an Idempotency-Key); bill-shipments and the billing run commit each invoice on its
// own, so they open a tenant transaction per invoice: a repeat of either bills nothing twice,
// because what is billed is marked invoiced in the invoice's own transaction.

const totalOut = z.object({
  currency: z.string(),
  invoices_count: z.number(),
  net_total: z.string(),
  vat_total: z.string(),
  total: z.string(),
})

const runOut = z.object({
  id: z.string(),
  frequency: z.enum(['weekly', 'monthly']).nullable().describe('null: weekly and monthly'),
  period_end: z.string(),
  status: z.enum(billingRunStatuses),
  trigger: z.string(),
  schedule_id: z.string().nullable(),
  invoices_count: z.number(),
  orders_count: z.number(),
  lines_count: z.number(),
  failed_count: z.number(),
  failures: z.array(z.record(z.string(), z.unknown())),
  error: z.string().nullable(),
  totals: z.array(totalOut),
  started_at: z.string(),
  started_by: z.string(),
  finished_at: z.string().nullable(),
  version: z.number(),
})

const planOut = z.object({
  dry_run: z.literal(true),
  frequency: z.enum(['weekly', 'monthly']).nullable(),
  period_end: z.string(),
  invoices_count: z.number(),
  totals: z.array(totalOut),
  invoices: z.array(
    z.object({
      customer_id: z.string(),
      currency: z.string(),
      frequency: z.string(),
      period_start: z.string(),
      period_end: z.string(),
      order_numbers: z.array(z.number()),
      lines_count: z.number(),
      net_total: z.string(),
      vat_total: z.string(),
      total: z.string(),
    }),
  ),
})

const billedOut = z.object({
  id: z.string(),
  number: z.string().nullable(),
  status: z.string(),
  origin: z.string(),
  customer_id: z.string(),
  currency: z.string(),
  issue_date: z.string().nullable(),
  due_date: z.string().nullable(),
  order_reference: z.string().nullable(),
  payment_reference: z.string().nullable(),
  lines_count: z.number(),
  net_total: z.string(),
  vat_total: z.string(),
  total: z.string(),
  payable_amount: z.string(),
})

const outcomeOut = z.object({
  invoices: z.array(
    z.object({
      id: z.string(),
      number: z.string(),
      customer_id: z.string(),
      currency: z.string(),
      order_ids: z.array(z.string()),
      lines_count: z.number(),
      total: z.string(),
    }),
  ),
  failures: z.array(
    z.object({
      customer_id: z.string(),
      currency: z.string(),
      code: z.string(),
      detail: z.string(),
    }),
  ),
  skipped: z.number().describe('groups another billing call billed at the same time'),
})

const presentTotal = (t: BillingRunTotal) => ({
  currency: t.currency,
  invoices_count: t.invoicesCount,
  net_total: formatAmount(t.netMinor, t.currency),
  vat_total: formatAmount(t.vatMinor, t.currency),
  total: formatAmount(t.totalMinor, t.currency),
})

export const presentBillingRun = (run: BillingRun) => ({
  id: run.id,
  frequency: run.frequency,
  period_end: run.periodEnd,
  status: run.status,
  trigger: run.trigger,
  schedule_id: run.scheduleId,
  invoices_count: run.invoicesCount,
  orders_count: run.ordersCount,
  lines_count: run.linesCount,
  failed_count: run.failedCount,
  failures: run.failures,
  error: run.error,
  totals: run.totals.map(presentTotal),
  started_at: run.startedAt.toISOString(),
  started_by: run.startedBy,
  finished_at: run.finishedAt?.toISOString() ?? null,
  version: run.version,
})

export const presentBillingPlan = (plan: BillingPlan) => ({
  dry_run: true as const,
  frequency: plan.frequency,
  period_end: plan.periodEnd,
  invoices_count: plan.invoicesCount,
  totals: plan.totals.map(presentTotal),
  invoices: plan.invoices.map((i) => ({
    customer_id: i.customerId,
    currency: i.currency,
    frequency: i.frequency,
    period_start: i.period.start,
    period_end: i.period.end,
    order_numbers: i.orderNumbers,
    lines_count: i.linesCount,
    net_total: formatAmount(i.netMinor, i.currency),
    vat_total: formatAmount(i.vatMinor, i.currency),
    total: formatAmount(i.totalMinor, i.currency),
  })),
})

export const presentBilledInvoice = (invoice: Invoice) => ({
  id: invoice.id,
  number: invoice.number,
  status: invoice.status,
  origin: invoice.origin,
  customer_id: invoice.customerId,
  currency: invoice.currency,
  issue_date: invoice.issueDate,
  due_date: invoice.dueDate,
  order_reference: invoice.orderReference,
  payment_reference: invoice.paymentReference,
  lines_count: invoice.lines.length,
  net_total: formatAmount(invoice.totals.taxExclusiveMinor, invoice.currency),
  vat_total: formatAmount(invoice.totals.vatMinor, invoice.currency),
  total: formatAmount(invoice.totals.taxInclusiveMinor, invoice.currency),
  payable_amount: formatAmount(invoice.totals.payableMinor, invoice.currency),
})

export const presentOutcome = (outcome: BillingOutcome) => ({
  invoices: outcome.invoices.map((i) => ({
    id: i.invoiceId,
    number: i.number,
    customer_id: i.customerId,
    currency: i.currency,
    order_ids: i.orderIds,
    lines_count: i.linesCount,
    total: formatAmount(i.totalMinor, i.currency),
  })),
  failures: outcome.failures.map((f) => ({
    customer_id: f.customerId,
    currency: f.currency,
    code: f.code,
    detail: f.detail,
  })),
  skipped: outcome.skipped,
})

/** A tenant transaction per call, as the requesting user (read() commits like write()). */
function transactionsOf(request: FastifyRequest): TenantTransactions {
  return <T>(work: (ctx: Ctx) => Promise<T>) => read(request, work)
}

export async function billingRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/orders/:id/invoice',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Bill on order: one invoice for everything on the order, shipped or not',
        tags: ['invoices'],
        params: idParam,
        body: z.object({ issue_date: calendarDate.optional() }).optional(),
        response: { 201: billedOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) =>
        presentBilledInvoice(
          await billOrder(ctx, request.params.id, { issueDate: request.body?.issue_date }),
        ),
      ),
  )

  r.post(
    '/orders/:id/prepayment-invoice',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'The prepayment invoice of an order that requires prepayment, due at once',
        tags: ['invoices'],
        params: idParam,
        body: z.object({ issue_date: calendarDate.optional() }).optional(),
        response: { 201: billedOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) =>
        presentBilledInvoice(
          await billPrepayment(ctx, request.params.id, { issueDate: request.body?.issue_date }),
        ),
      ),
  )

  r.post(
    '/invoices/bill-shipments',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary:
          'Bill on shipment: invoice what was shipped and not yet invoiced (per_shipment and per_order customers)',
        tags: ['invoices'],
        body: z
          .object({
            customer_id: z.uuid().optional(),
            shipped_to: calendarDate.optional().describe("last shipping day, tenant's time zone"),
            issue_date: calendarDate.optional(),
          })
          .optional(),
        response: { 200: outcomeOut, ...problemReplies },
      },
    },
    async (request) => {
      const outcome = await billShipments(transactionsOf(request), {
        customerId: request.body?.customer_id,
        shippedTo: request.body?.shipped_to,
        issueDate: request.body?.issue_date,
      })
      return presentOutcome(outcome)
    },
  )

  r.post(
    '/billing-runs',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary:
          'Run the consolidated billing now (weekly and/or monthly customers); dry_run shows what it would bill',
        tags: ['billing-runs'],
        body: z.object({
          period_end: calendarDate,
          frequency: z.enum(['weekly', 'monthly']).optional(),
          issue_date: calendarDate.optional(),
          dry_run: z.boolean().default(false),
        }),
        response: { 200: planOut, 201: runOut, ...problemReplies },
      },
    },
    async (request, reply) => {
      const body = request.body
      if (body.dry_run) {
        const plan = await planConsolidatedBilling(transactionsOf(request), {
          periodEnd: body.period_end,
          frequency: body.frequency,
        })
        return reply.status(200).send(presentBillingPlan(plan))
      }
      const run = await runConsolidatedBilling(transactionsOf(request), {
        periodEnd: body.period_end,
        frequency: body.frequency,
        issueDate: body.issue_date,
        trigger: 'api',
      })
      return reply.status(201).send(presentBillingRun(run))
    },
  )

  r.get(
    '/billing-runs',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'Billing runs, newest first',
        tags: ['billing-runs'],
        querystring: z.object({ status: z.enum(billingRunStatuses).optional(), ...pageQuery }),
        response: { 200: pageOf(runOut), ...problemReplies },
      },
    },
    async (request) => {
      const page = await read(request, (ctx) =>
        listBillingRuns(ctx, {
          status: request.query.status,
          cursor: request.query.cursor,
          limit: request.query.limit,
        }),
      )
      return { data: page.data.map(presentBillingRun), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/billing-runs/:id',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'One billing run: its counts, totals per currency and failures',
        tags: ['billing-runs'],
        params: idParam,
        response: { 200: runOut, ...problemReplies },
      },
    },
    async (request) =>
      presentBillingRun(await read(request, (ctx) => getBillingRun(ctx, request.params.id))),
  )
}
