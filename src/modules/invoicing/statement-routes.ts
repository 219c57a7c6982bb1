import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { formatAmount } from '../../core/money.js'
import { calendarDate, idParam, problemReplies } from '../../http/schemas.js'
import { read } from '../../http/unit-of-work.js'
import type { CustomerStatement } from '../documents/index.js'
import {
  type CustomerStatements,
  customerStatement,
  customerStatementPdf,
  statementChargesCsv,
  statementCsv,
  statementPaymentsCsv,
} from './statement.js'

// GET /v1/customers/{id}/statement: the statement of account as JSON, CSV or PDF.

const statementOut = z.object({
  customer_id: z.uuid(),
  language: z.enum(['nl', 'en']),
  statements: z.array(
    z.object({
      currency: z.string(),
      as_of: z.string(),
      customer: z.object({ name: z.string(), number: z.string() }),
      open_items: z.array(
        z.object({
          number: z.string(),
          issue_date: z.string(),
          due_date: z.string(),
          amount: z.string(),
          open_amount: z.string(),
          days_overdue: z.number(),
        }),
      ),
      recent_payments: z.array(
        z.object({ date: z.string(), reference: z.string(), amount: z.string() }),
      ),
      charges: z
        .array(
          z.object({
            invoice_number: z.string(),
            kind: z.enum(['collection_costs', 'interest']),
            charged_on: z.string(),
            period_from: z.string().nullable(),
            period_to: z.string().nullable(),
            amount: z.string(),
          }),
        )
        .describe('collection costs and interest charged, still owed (part of total_open)'),
      charges_total: z.string(),
      total_open: z.string(),
      overdue: z.string(),
    }),
  ),
})

export async function statementRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/customers/:id/statement',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: "A customer's statement of account: open items and recent payments",
        description:
          'One statement per currency. format=json (default) answers the object below; ' +
          'format=pdf one PDF with a statement per currency; format=csv the open items ' +
          '(invoice_number, issue_date, due_date, currency, amount, open_amount, days_overdue), ' +
          'or with section=payments the recent payments (date, currency, amount, reference), ' +
          'or with section=charges the collection costs and interest (kind, invoice_number, ' +
          'charged_on, period_from, period_to, currency, amount).',
        tags: ['customers', 'invoices'],
        params: idParam,
        querystring: z.object({
          as_of: calendarDate.optional().describe('the statement date; default today'),
          payments_since: calendarDate
            .optional()
            .describe('first day of the recent payments; default 90 days before as_of'),
          currency: z
            .string()
            .regex(/^[A-Za-z]{3}$/)
            .optional()
            .describe('only this currency'),
          format: z.enum(['json', 'csv', 'pdf']).default('json'),
          section: z
            .enum(['open_items', 'payments', 'charges'])
            .default('open_items')
            .describe('for format=csv: which table'),
        }),
        response: { 200: statementOut, ...problemReplies },
      },
    },
    async (request, reply) => {
      const q = request.query
      const options = {
        asOf: q.as_of,
        paymentsSince: q.payments_since,
        currency: q.currency?.toUpperCase(),
      }
      if (q.format === 'pdf') {
        const pdf = await read(request, (ctx) =>
          customerStatementPdf(ctx, request.params.id, options),
        )
        // A file, not the JSON of the schema: sent as it is, past the serializer.
        return (reply as FastifyReply)
          .type('application/pdf')
          .header('content-disposition', `inline; filename="statement.pdf"`)
          .send(Buffer.from(pdf))
      }
      const result = await read(request, (ctx) =>
        customerStatement(ctx, request.params.id, options),
      )
      if (q.format === 'csv') {
        const csv = {
          open_items: statementCsv,
          payments: statementPaymentsCsv,
          charges: statementChargesCsv,
        }[q.section]
        const suffix = q.section === 'open_items' ? '' : `-${q.section}`
        return (reply as FastifyReply)
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="statement${suffix}.csv"`)
          .send(csv(result.statements))
      }
      return statementToApi(result)
    },
  )
}

export function statementToApi(result: CustomerStatements): z.infer<typeof statementOut> {
  return {
    customer_id: result.customerId,
    language: result.language,
    statements: result.statements.map((s: CustomerStatement) => {
      const amount = (minor: bigint) => formatAmount(minor, s.currency)
      return {
        currency: s.currency,
        as_of: s.asOf,
        customer: { name: s.customer.name, number: s.customer.number },
        open_items: s.openItems.map((i) => ({
          number: i.number,
          issue_date: i.issueDate,
          due_date: i.dueDate,
          amount: amount(i.totalMinor),
          open_amount: amount(i.openMinor),
          days_overdue: i.daysOverdue,
        })),
        recent_payments: s.recentPayments.map((p) => ({
          date: p.date,
          reference: p.reference,
          amount: amount(p.amountMinor),
        })),
        charges: s.charges.map((c) => ({
          invoice_number: c.number,
          kind: c.kind,
          charged_on: c.chargedOn,
          period_from: c.periodFrom,
          period_to: c.periodTo,
          amount: amount(c.amountMinor),
        })),
        charges_total: amount(s.chargesMinor),
        total_open: amount(s.totalOpenMinor),
        overdue: amount(s.overdueMinor),
      }
    }),
  }
}
