import multipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { domainError, invalid } from '../../core/errors.js'
import { formatAmount } from '../../core/money.js'
import { idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { read } from '../../http/unit-of-work.js'
import { type BankImportAndApply, importAndApplyBankFile } from './import-and-apply.js'
import { remittanceRoutes } from './remittance-routes.js'
import { getBankStatement, listBankStatements } from './statements.js'

// Bank statements over HTTP: upload (multipart, streamed into the import, never held in
// memory whole), read one back whole, list them.

// A month of camt.053 for a busy account runs to a few hundred MB; more is not one file.
export const bankFileBytesMax = 512 * 1024 * 1024
// Files per upload; each is imported in the request's one transaction.
export const bankFilesPerUploadMax = 20

const balanceOut = z
  .object({ amount: z.string(), sign: z.enum(['C', 'D']).nullable(), date: z.string().nullable() })
  .nullable()

const party = z.object({
  name: z.string().nullable(),
  iban: z.string().nullable(),
  bic: z.string().nullable(),
})
const remittance = z.object({
  unstructured: z.string().nullable(),
  structured_reference: z.string().nullable(),
})

const summaryShape = {
  o2c_id: z.uuid().describe("o2c's id of the statement (`id` is the bank's)"),
  id: z.string().nullable().describe("the bank's id of the statement (camt Stmt/Id, MT940 :20:)"),
  statement_number: z.string().nullable(),
  account: z.object({
    iban: z.string().nullable(),
    number: z.string().nullable(),
    currency: z.string().nullable(),
  }),
  opening_balance: balanceOut,
  closing_balance: balanceOut,
  balance_check: z.enum(['ok', 'mismatch', 'not_applicable']),
  bank_account_id: z.uuid(),
  format: z.string(),
  currency: z.string().nullable(),
  unbalanced: z.boolean().describe('imported with allow_unbalanced although it does not balance'),
  difference: z.string().nullable().describe('closing − (opening + entries), signed'),
  entry_count: z.number(),
  file_name: z.string(),
  import_id: z.uuid(),
  imported_at: z.string(),
  imported_by: z.string(),
}

const entryOut = z.object({
  booking_date: z.string().nullable(),
  value_date: z.string().nullable(),
  amount: z.string(),
  currency: z.string(),
  sign: z.enum(['C', 'D']),
  reversal: z.boolean(),
  bank_reference: z.string().nullable(),
  customer_reference: z.string().nullable(),
  end_to_end_id: z.string().nullable(),
  mandate_id: z.string().nullable(),
  counterparty: party,
  remittance,
  bank_transaction_code: z.string().nullable(),
  return_reason: z.string().nullable(),
  details: z.array(z.unknown()).describe('the transactions of a batch entry (camt TxDtls)'),
  o2c_id: z.uuid(),
  status: z.enum(['unmatched', 'suggested', 'applied', 'ignored']),
  first_statement_o2c_id: z.uuid(),
})

const statementOut = z.object({ ...summaryShape, entries: z.array(entryOut) })

export const importSummaryOut = z.object({
  import_id: z.uuid(),
  file_name: z.string(),
  format: z.string().nullable(),
  statements: z.number(),
  entries: z.number(),
  entries_new: z.number(),
  entries_known: z.number().describe('entries an earlier import stored already'),
  statements_already_imported: z.number(),
  statements_unbalanced: z.number(),
  matching: z
    .object({
      transactions: z
        .number()
        .describe('bank transactions matched (a batch entry counts per part)'),
      applied: z.number().describe('applied automatically'),
      suggested: z.number().describe('waiting for a person, with ranked candidates'),
      unmatched: z.number().describe('nothing to go on (debits that undid nothing included)'),
      reversed: z.number().describe('returns and reversals that undid an earlier credit'),
    })
    .describe('what cash application did with the new entries'),
  per_statement: z.array(
    z.object({
      o2c_id: z.uuid(),
      id: z.string().nullable(),
      statement_number: z.string().nullable(),
      account: z.object({ iban: z.string().nullable(), number: z.string().nullable() }),
      currency: z.string().nullable(),
      entries: z.number(),
      entries_new: z.number(),
      entries_known: z.number(),
      already_imported: z.boolean(),
      balance_check: z.enum(['ok', 'mismatch', 'not_applicable']),
      unbalanced: z.boolean(),
      difference: z.string().nullable(),
    }),
  ),
})

export function importSummaryToApi(s: BankImportAndApply): z.infer<typeof importSummaryOut> {
  return {
    import_id: s.importId,
    file_name: s.fileName,
    format: s.format,
    statements: s.statements,
    entries: s.entries,
    entries_new: s.entriesNew,
    entries_known: s.entriesKnown,
    statements_already_imported: s.statementsAlreadyImported,
    statements_unbalanced: s.statementsUnbalanced,
    matching: {
      transactions: s.matching.transactions,
      applied: s.matching.applied,
      suggested: s.matching.suggested,
      unmatched: s.matching.unmatched,
      reversed: s.matching.reversed,
    },
    per_statement: s.perStatement.map((p) => ({
      o2c_id: p.statementId,
      id: p.bankStatementId,
      statement_number: p.statementNumber,
      account: { iban: p.accountIban, number: p.accountNumber },
      currency: p.currency,
      entries: p.entries,
      entries_new: p.entriesNew,
      entries_known: p.entriesKnown,
      already_imported: p.alreadyImported,
      balance_check: p.balanceCheck,
      unbalanced: p.unbalanced,
      difference:
        p.differenceMinor === null ? null : formatAmount(p.differenceMinor, p.currency ?? ''),
    })),
  }
}

export async function cashappRoutes(app: FastifyInstance): Promise<void> {
  // Registered here, so multipart parsing exists for this module's routes only.
  await app.register(multipart, {
    limits: { fileSize: bankFileBytesMax, files: bankFilesPerUploadMax, fields: 10 },
  })
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/bank-statements',
    {
      config: { permission: 'bank.import' },
      schema: {
        summary: 'Import bank files (camt.053, camt.054, MT940, CSV with a saved mapping)',
        description:
          'Send `multipart/form-data` with one or more files in the field `file`. All files ' +
          'of the request are imported in one transaction: a malformed file (400, with the ' +
          'line or element), an amount with too many decimals or a statement that does not ' +
          'balance (422, naming the difference) refuses the request whole. ' +
          '`allow_unbalanced=true` keeps an unbalanced statement, flagged with its ' +
          'difference. Importing a statement again, or one that overlaps an earlier one, ' +
          'stores no entry twice; the summary counts new and known entries. The import is ' +
          'idempotent by itself, so this route takes no Idempotency-Key.',
        tags: ['bank statements'],
        consumes: ['multipart/form-data'],
        querystring: z.object({
          allow_unbalanced: z
            .stringbool()
            .default(false)
            .describe('keep a statement that does not balance, flagged'),
        }),
        response: { 200: z.object({ files: z.array(importSummaryOut) }), ...problemReplies },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw domainError(
          'request.unsupported_media_type',
          'Send the bank files as multipart/form-data, in the field "file"',
        )
      }
      const files = await read(request, async (ctx) => {
        const summaries: z.infer<typeof importSummaryOut>[] = []
        for await (const part of request.parts()) {
          if (part.type !== 'file') continue
          if (part.fieldname !== 'file') {
            throw invalid([
              { field: part.fieldname, message: 'send bank files in the field "file"' },
            ])
          }
          const summary = await importAndApplyBankFile(ctx, part.file, {
            fileName: part.filename || 'upload',
            allowUnbalanced: request.query.allow_unbalanced,
          })
          summaries.push(importSummaryToApi(summary))
        }
        if (summaries.length === 0) {
          throw invalid([{ field: 'file', message: 'send at least one bank file' }])
        }
        return summaries
      })
      return reply.status(200).send({ files })
    },
  )

  r.get(
    '/bank-statements/:id',
    {
      config: { permission: 'bank.read' },
      schema: {
        summary: 'A bank statement with its balances and entries, as the bank file had them',
        description:
          'Field names are those of the bank-file fixtures (`id` is the bank’s statement id); ' +
          "o2c's own fields stand beside them (`o2c_id` is o2c's id).",
        tags: ['bank statements'],
        params: idParam,
        response: { 200: statementOut, ...problemReplies },
      },
    },
    (request) => read(request, (ctx) => getBankStatement(ctx, request.params.id)),
  )

  r.get(
    '/bank-statements',
    {
      config: { permission: 'bank.read' },
      schema: {
        summary: 'Imported bank statements, oldest import first',
        tags: ['bank statements'],
        querystring: z.object({ ...pageQuery, bank_account_id: z.uuid().optional() }),
        response: { 200: pageOf(z.object(summaryShape)), ...problemReplies },
      },
    },
    (request) =>
      read(request, (ctx) =>
        listBankStatements(ctx, {
          cursor: request.query.cursor,
          limit: request.query.limit,
          bankAccountId: request.query.bank_account_id,
        }),
      ),
  )

  // Remittance advices share this plugin's multipart parser.
  await remittanceRoutes(app)
}
