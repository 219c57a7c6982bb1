import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { formatAmount } from '../../core/money.js'
import { csvImportRequest, problemReplies } from '../../http/schemas.js'
import { write } from '../../http/unit-of-work.js'
import {
  importOpenItems,
  type OpenItemsImportSummary,
  openItemProblemOut,
} from './open-items-import.js'

const problemOut = z.object({
  line: z.number(),
  invoice_number: z.string().nullable(),
  column: z.string().nullable().describe('the CSV column; null for the line as a whole'),
  message: z.string(),
})

export const openItemsSummaryOut = z.object({
  import_id: z.uuid().describe('source id of the journal entries and prior settlements'),
  rows: z.number().describe('data rows in the file'),
  imported: z.number(),
  rejected_rows: z.number(),
  skipped_invalid: z.boolean(),
  totals: z.array(
    z.object({
      currency: z.string(),
      items: z.number(),
      amount: z.string(),
      open_amount: z.string().describe('posted to the receivable against opening balances'),
    }),
  ),
  journal_entries: z.number(),
  rejected: z.array(problemOut).describe('each problem of each refused row'),
  rejected_truncated: z.boolean(),
})

export function openItemsSummaryToApi(
  s: OpenItemsImportSummary,
): z.infer<typeof openItemsSummaryOut> {
  return {
    import_id: s.importId,
    rows: s.rows,
    imported: s.imported,
    rejected_rows: s.rejectedRows,
    skipped_invalid: s.skippedInvalid,
    totals: s.totals.map((t) => ({
      currency: t.currency,
      items: t.items,
      amount: formatAmount(t.amountMinor, t.currency),
      open_amount: formatAmount(t.openMinor, t.currency),
    })),
    journal_entries: s.journalEntries,
    rejected: s.problems.map(openItemProblemOut),
    rejected_truncated: s.problemsTruncated,
  }
}

export async function openItemsRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/invoices/open-items-import',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Import open items (opening balances) from a previous system, as CSV',
        description:
          'Send the file as the body with `Content-Type: text/csv`. The header names the ' +
          'columns, all of them and no others: invoice_number, customer_number, issue_date, ' +
          'due_date, currency, amount, open_amount, payment_reference (its cells may be ' +
          'empty). Each row becomes an issued invoice (origin opening_balance) with the open ' +
          'amount posted to the receivable against the opening-balance account. The whole ' +
          'file is refused (422, every problem listed by line and column) unless every row ' +
          'is valid, or `skip_invalid=true` imports the valid rows. Numbers that exist are ' +
          'refused, so importing a file twice imports it once.',
        tags: ['invoices'],
        ...csvImportRequest,
        response: { 200: openItemsSummaryOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        openItemsSummaryToApi(
          await importOpenItems(ctx, () => [request.body], {
            skipInvalid: request.query.skip_invalid,
          }),
        ),
      ),
  )
}
