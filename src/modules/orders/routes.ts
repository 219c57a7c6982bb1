import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { invalid } from '../../core/errors.js'
import { isCurrency, money, parseAmount } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import {
  calendarDate,
  decimalString,
  idParam,
  pageOf,
  pageQuery,
  problemReplies,
} from '../../http/schemas.js'
import { expectedVersion, read, withEtag, write } from '../../http/unit-of-work.js'
import type { Permission } from '../auth/permissions.js'
import {
  confirmOrder,
  createConfirmedOrder,
  creditHolds,
  rejectCreditHold,
  releaseCreditHold,
} from './confirmation.js'
import { importOrders } from './order-import.js'
import type { Order } from './order-store.js'
import {
  newOrderIn,
  orderFromApi,
  orderOnHoldOut,
  orderOnHoldToApi,
  orderOut,
  orderPatchIn,
  orderSummaryOut,
  orderSummaryToApi,
  orderToApi,
  rowIssueOut,
} from './schemas.js'
import {
  cancelOrder,
  createOrder,
  getOrder,
  listOrders,
  markOrderPrepaid,
  updateOrder,
} from './service.js'
import { type OrderStatus, orderStatuses } from './tables.js'

const reasonIn = z.object({ reason: z.string().min(1).max(1000) })

export async function orderRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/orders',
    {
      config: { permission: 'orders.write' },
      schema: {
        summary: 'Take an order (a draft, or confirmed at once with "confirm": true)',
        tags: ['orders'],
        body: newOrderIn,
        response: { 201: orderOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const { confirm, ...fields } = request.body
        const input = {
          ...orderFromApi(fields),
          customerId: fields.customer_id,
          lines: orderFromApi(fields).lines ?? [],
        }
        return orderToApi(
          confirm ? await createConfirmedOrder(ctx, input) : await createOrder(ctx, input),
        )
      }),
  )

  r.get(
    '/orders',
    {
      config: { permission: 'orders.read' },
      schema: {
        summary: 'Find orders',
        tags: ['orders'],
        querystring: z.object({
          status: z.string().optional().describe('one or more statuses, comma separated'),
          customer_id: z.uuid().optional(),
          customer_reference: z.string().max(100).optional().describe("the customer's PO number"),
          created_from: calendarDate.optional(),
          created_to: calendarDate.optional(),
          requested_delivery_from: calendarDate.optional(),
          requested_delivery_to: calendarDate.optional(),
          currency: z.string().length(3).optional().describe('needed with the amount bounds'),
          gross_total_min: decimalString.optional(),
          gross_total_max: decimalString.optional(),
          ...pageQuery,
        }),
        response: { 200: pageOf(orderSummaryOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const currency = q.currency?.toUpperCase()
      const amount = (field: string, text?: string) => {
        if (text === undefined) return undefined
        if (!currency || !isCurrency(currency)) {
          throw invalid([{ field: 'query.currency', message: `is needed with query.${field}` }])
        }
        const minor = parseAmount(text, currency)
        if (minor === undefined) {
          throw invalid([{ field: `query.${field}`, message: `is not an amount in ${currency}` }])
        }
        return minor
      }
      const page = await read(request, (ctx) =>
        listOrders(ctx, {
          status: parseStatuses(q.status),
          customerId: q.customer_id,
          customerReference: q.customer_reference,
          createdFrom: q.created_from,
          createdTo: q.created_to,
          requestedDeliveryFrom: q.requested_delivery_from,
          requestedDeliveryTo: q.requested_delivery_to,
          currency,
          grossMinorMin: amount('gross_total_min', q.gross_total_min),
          grossMinorMax: amount('gross_total_max', q.gross_total_max),
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(orderSummaryToApi), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/orders/credit-holds',
    {
      config: { permission: 'orders.read' },
      schema: {
        summary: "The credit analyst's list: orders on credit hold, with the reasons",
        tags: ['orders', 'credit'],
        querystring: z.object({
          customer_id: z.uuid().optional(),
          reason: z
            .string()
            .max(64)
            .optional()
            .describe('a reason code, e.g. credit_limit_exceeded'),
          ...pageQuery,
        }),
        response: { 200: pageOf(orderOnHoldOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        creditHolds(ctx, {
          customerId: q.customer_id,
          reason: q.reason,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(orderOnHoldToApi), next_cursor: page.nextCursor }
    },
  )

  r.post(
    '/orders/import',
    {
      config: { permission: 'orders.write' },
      schema: {
        summary: 'Import orders from CSV (one row per order line, grouped by order_ref)',
        description:
          'Columns by header name: order_ref, customer_number, item, quantity, unit_price, ' +
          'vat_category, vat_rate (required); customer_reference, currency, description, unit, ' +
          'discount_percent, requested_delivery_date, payment_terms_days, requires_prepayment. ' +
          'All or nothing unless skip_invalid=true.',
        tags: ['orders'],
        consumes: ['text/csv'],
        querystring: z.object({
          skip_invalid: z.enum(['true', 'false']).default('false'),
          confirm: z.enum(['true', 'false']).default('false'),
        }),
        body: z.string().describe('the CSV file'),
        response: {
          200: z.object({
            rows: z.number(),
            imported: z.array(
              z.object({
                order_ref: z.string(),
                id: z.string(),
                number: z.number(),
                status: z.enum(orderStatuses),
                lines: z.number(),
              }),
            ),
            already_imported: z.array(
              z.object({ order_ref: z.string(), id: z.string(), number: z.number() }),
            ),
            rejected: z.array(rowIssueOut),
          }),
          ...problemReplies,
        },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const report = await importOrders(ctx, request.body, {
          skipInvalid: request.query.skip_invalid === 'true',
          confirm: request.query.confirm === 'true',
        })
        return {
          rows: report.rows,
          imported: report.imported.map(({ orderRef, ...o }) => ({ order_ref: orderRef, ...o })),
          already_imported: report.alreadyImported.map(({ orderRef, ...o }) => ({
            order_ref: orderRef,
            ...o,
          })),
          rejected: report.rejected,
        }
      }),
  )

  r.get(
    '/orders/:id',
    {
      config: { permission: 'orders.read' },
      schema: {
        summary: 'An order with its lines, VAT breakdown, totals and credit hold',
        tags: ['orders'],
        params: idParam,
        response: { 200: orderOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(reply, orderToApi(await read(request, (ctx) => getOrder(ctx, request.params.id)))),
  )

  r.patch(
    '/orders/:id',
    {
      config: { permission: 'orders.write' },
      schema: {
        summary: 'Change a draft (send If-Match with the ETag you read)',
        tags: ['orders'],
        params: idParam,
        body: orderPatchIn,
        response: { 200: orderOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      return write(request, reply, 200, async (ctx) =>
        orderToApi(await updateOrder(ctx, request.params.id, version, orderFromApi(request.body))),
      )
    },
  )

  r.post(
    '/orders/:id/confirm',
    {
      config: { permission: 'orders.write' },
      schema: {
        summary: 'Confirm a draft; the credit check confirms it or puts it on credit hold',
        tags: ['orders'],
        params: idParam,
        response: { 200: orderOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        orderToApi(await confirmOrder(ctx, request.params.id)),
      ),
  )

  /** A transition that takes only a reason and answers with the order: cancel, release, reject. */
  const reasonRoute = (
    path: string,
    permission: Permission,
    summary: string,
    tags: string[],
    act: (ctx: Ctx, id: string, body: z.infer<typeof reasonIn>) => Promise<Order>,
  ) =>
    r.post(
      path,
      {
        config: { permission },
        schema: {
          summary,
          tags,
          params: idParam,
          body: reasonIn,
          response: { 200: orderOut, ...problemReplies },
        },
      },
      (request, reply) =>
        write(request, reply, 200, async (ctx) =>
          orderToApi(await act(ctx, request.params.id, request.body)),
        ),
    )

  reasonRoute(
    '/orders/:id/cancel',
    'orders.write',
    'Cancel an order in draft, confirmed or on credit hold, with a reason',
    ['orders'],
    cancelOrder,
  )
  reasonRoute(
    '/orders/:id/release-hold',
    'credit.decide',
    'Release an order from credit hold (it becomes confirmed), saying why',
    ['orders', 'credit'],
    releaseCreditHold,
  )
  reasonRoute(
    '/orders/:id/reject-hold',
    'credit.decide',
    'Reject an order on credit hold (it is cancelled), saying why',
    ['orders', 'credit'],
    rejectCreditHold,
  )

  r.post(
    '/orders/:id/prepayment-received',
    {
      config: { permission: 'payments.record' },
      schema: {
        summary: 'Record a prepayment received for an order that requires one',
        tags: ['orders'],
        params: idParam,
        body: z.object({
          reference: z.string().min(1).max(140).describe('bank transaction or payment reference'),
          amount: decimalString,
          currency: z.string().length(3).describe('must be the order currency'),
        }),
        response: { 200: orderOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const { reference, amount, currency } = request.body
        const code = currency.toUpperCase()
        const minor = isCurrency(code) ? parseAmount(amount, code) : undefined
        if (minor === undefined) {
          throw invalid([
            {
              field: isCurrency(code) ? 'amount' : 'currency',
              message: isCurrency(code)
                ? `must be an amount with at most the decimals of ${code}`
                : `${currency} is not an ISO 4217 currency code`,
            },
          ])
        }
        return orderToApi(
          await markOrderPrepaid(ctx, request.params.id, { reference, amount: money(minor, code) }),
        )
      }),
  )
}

function parseStatuses(text: string | undefined): OrderStatus[] | undefined {
  if (!text) return undefined
  const statuses = text.split(',').map((s) => s.trim())
  const unknown = statuses.filter((s) => !(orderStatuses as readonly string[]).includes(s))
  if (unknown.length > 0) {
    throw invalid([
      {
        field: 'query.status',
        message: `${unknown.join(', ')} is not a status (${orderStatuses.join(', ')})`,
      },
    ])
  }
  return statuses as OrderStatus[]
}
