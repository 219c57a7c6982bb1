import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { read, write } from '../../http/unit-of-work.js'
import { listBankAccounts, saveCsvMapping } from './bank-accounts.js'

// The tenant's bank accounts over HTTP, and the CSV column mapping saved on one (registered by
// routes.ts). Accounts are created by the statements that name them.

const csvMappingOut = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe('the saved CSV column mapping (see PUT …/csv-mapping); null when none')

const bankAccountOut = z.object({
  id: z.uuid(),
  iban: z.string().nullable(),
  number: z.string().nullable(),
  currency: z.string().nullable(),
  name: z.string().nullable(),
  csv_mapping: csvMappingOut,
  created_at: z.string(),
})

export async function bankAccountRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/bank-accounts',
    {
      config: { permission: 'bank.read' },
      schema: {
        summary: "The tenant's bank accounts, with their saved CSV column mappings",
        tags: ['bank statements'],
        querystring: z.object(pageQuery),
        response: { 200: pageOf(bankAccountOut), ...problemReplies },
      },
    },
    (request) =>
      read(request, (ctx) =>
        listBankAccounts(ctx, { cursor: request.query.cursor, limit: request.query.limit }),
      ),
  )

  r.put(
    '/bank-accounts/:id/csv-mapping',
    {
      config: { permission: 'bank.import' },
      schema: {
        summary: "Save the column mapping of the account's CSV exports",
        description:
          'CSV has no standard: the mapping says how the bank writes its export. Fields: ' +
          '`delimiter` (one character), `date_format` (YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY, ' +
          'DD.MM.YYYY, YYYYMMDD), `decimal_separator` (`,` or `.`), `columns` (the header of ' +
          'the column for `booking_date` and `amount`, and optionally `value_date`, ' +
          '`currency`, `counterparty_name`, `counterparty_iban`, `end_to_end_id`, ' +
          '`bank_reference`, and `remittance`: a list of columns joined with a space), and ' +
          '`sign`: `{"kind": "minus"}` (a minus before debits) or `{"kind": "column", ' +
          '"column": "Af Bij", "credit": "Bij", "debit": "Af"}`. `account` may be left out ' +
          '(it is this account); given, it must name this account. A missing or wrong field ' +
          'is refused by its path (`columns.booking_date`) and nothing is saved. Saving ' +
          'again replaces the mapping; each save is audited.',
        tags: ['bank statements'],
        params: idParam,
        // Validated by saveCsvMapping, so that a bad field is named as the mapping has it.
        body: z.record(z.string(), z.unknown()),
        response: { 200: bankAccountOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, (ctx) => saveCsvMapping(ctx, request.params.id, request.body)),
  )
}
