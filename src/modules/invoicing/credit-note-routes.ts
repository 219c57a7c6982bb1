import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { invalid } from '../../core/errors.js'
import { type Decimal, parseAmount, parseDecimal } from '../../core/money.js'
import { decimalString, idParam, problemReplies } from '../../http/schemas.js'
import { read, write } from '../../http/unit-of-work.js'
import { type CreditRequest, creditInvoice, creditNotesOf } from './credit-notes.js'
import { getInvoice } from './queries.js'
import { invoiceOut, invoiceToApi } from './schemas.js'

// POST /v1/invoices/{id}/credit-notes credits an issued invoice; GET lists its credit notes.

const creditIn = z
  .object({
    full: z.literal(true).optional().describe('credit every line, allowance and charge'),
    lines: z
      .array(
        z.object({
          line_number: z.number().int().min(1),
          quantity: decimalString.describe('at most what is left to credit on the line'),
        }),
      )
      .max(2_000)
      .optional(),
    amount: decimalString.optional().describe('an amount including VAT, e.g. "12.50"'),
    reason: z.string().max(2_000).describe('why: the credit note says it (BT-22)'),
    issue: z.boolean().default(true).describe('false keeps a draft'),
    customer_id: z.uuid().optional().describe("refuse unless the invoice is this customer's"),
  })
  .describe('exactly one of full, lines, amount')

export async function creditNoteRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/invoices/:id/credit-notes',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Credit an issued invoice: in full, by line or by an amount including VAT',
        description:
          'Send exactly one of `full: true`, `lines: [{ line_number, quantity }]` or ' +
          '`amount`, and a `reason`. The credit note refers to the invoice and is issued at ' +
          'once (`issue: false` keeps a draft); issuing settles the invoice. A credit note ' +
          'above what is open, on a draft or on a credit note is refused and nothing is written.',
        tags: ['invoices'],
        params: idParam,
        body: creditIn,
        response: { 201: invoiceOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        // The invoice first: another tenant's id is a 404 before the body is looked at.
        const invoice = await getInvoice(ctx, request.params.id)
        const note = await creditInvoice(
          ctx,
          invoice.id,
          creditRequestOf(request.body, invoice.currency),
        )
        return invoiceToApi(note)
      }),
  )

  r.get(
    '/invoices/:id/credit-notes',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'The credit notes that correct an invoice, oldest first (drafts included)',
        tags: ['invoices'],
        params: idParam,
        response: { 200: z.object({ data: z.array(invoiceOut) }), ...problemReplies },
      },
    },
    async (request) => {
      const notes = await read(request, (ctx) => creditNotesOf(ctx, request.params.id))
      return { data: notes.map(invoiceToApi) }
    },
  )
}

function creditRequestOf(body: z.infer<typeof creditIn>, currency: string): CreditRequest {
  const given = (['full', 'lines', 'amount'] as const).filter((key) => body[key] !== undefined)
  if (given.length !== 1) {
    throw invalid([
      {
        field: given[1] ?? 'full',
        message: `give exactly one of full, lines, amount${given.length > 1 ? ` (got ${given.join(', ')})` : ''}`,
      },
    ])
  }
  const common = {
    reason: body.reason,
    issue: body.issue,
    ...(body.customer_id ? { customerId: body.customer_id } : {}),
  }
  if (body.full) return { kind: 'full', ...common }
  if (body.amount !== undefined) {
    const amountMinor = parseAmount(body.amount, currency)
    if (amountMinor === undefined) {
      throw invalid([
        { field: 'amount', message: `"${body.amount}" has too many decimals for ${currency}` },
      ])
    }
    return { kind: 'amount', amountMinor, ...common }
  }
  const issues: { field: string; message: string }[] = []
  const lines = (body.lines ?? []).map((line, index) => {
    const quantity = parseDecimal(line.quantity, 4)
    if (!quantity) {
      issues.push({ field: `lines[${index}].quantity`, message: 'has more than 4 decimals' })
    }
    return {
      lineNumber: line.line_number,
      quantity: quantity ?? ({ units: 0n, scale: 0 } as Decimal),
    }
  })
  if (issues.length > 0) throw invalid(issues)
  return { kind: 'lines', lines, ...common }
}
