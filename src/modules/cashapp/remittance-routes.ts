import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { domainError, invalid } from '../../core/errors.js'
import {
  calendarDate,
  decimalString,
  idParam,
  pageOf,
  pageQuery,
  problemReplies,
} from '../../http/schemas.js'
import { read } from '../../http/unit-of-work.js'
import {
  type AdviceReceipt,
  getRemittanceAdvice,
  listRemittanceAdvices,
  receiveRemittanceAdvice,
  receiveRemittanceFile,
} from './remittance/advices.js'
import { adviceBytesMax } from './remittance/documents.js'
import { adviceSources } from './remittance/model.js'
import { adviceStatuses } from './tables.js'

// Remittance advices over HTTP: upload files (multipart, like bank statements) or send one as
// JSON; read one back; list them. Registered inside cashappRoutes, whose multipart parser
// they use. Permissions are the bank's: advices are part of reading the bank account, and
// whoever may import statements may receive what explains them (bank.import to send,
// bank.read to read).

// Files per upload, each received in the request's one transaction.
const adviceFilesPerUploadMax = 20

const adviceOut = z.object({
  id: z.uuid(),
  source: z.enum(adviceSources),
  status: z.enum(adviceStatuses),
  payer_name: z.string().nullable(),
  payer_iban: z.string().nullable(),
  currency: z.string(),
  amount: z.string().describe('the stated total, else the sum of the lines'),
  total_stated: z.boolean(),
  date: z.string(),
  file_name: z.string(),
  sender: z.string().nullable().describe('for mail: the sender address'),
  bank_entry_id: z.uuid().nullable().describe('the bank entry it is linked to or was used for'),
  created_at: z.string(),
  created_by: z.string(),
  lines: z.array(z.object({ invoice_number: z.string(), amount: z.string(), line: z.number() })),
})

const receiptOut = adviceOut.extend({
  already_received: z
    .boolean()
    .describe('the same file (or JSON) was received before; this is the advice stored then'),
})

const given = {
  payer_name: z.string().min(1).max(200).optional(),
  payer_iban: z.string().min(1).max(42).optional(),
  currency: z.string().length(3).optional(),
  date: calendarDate.optional(),
}

const adviceJson = z.object({
  ...given,
  currency: z.string().length(3),
  total: decimalString.optional().describe('the stated total; the sum of the lines when absent'),
  lines: z
    .array(z.object({ invoice_number: z.string().min(1).max(100), amount: decimalString }))
    .min(1)
    .max(1_000),
})

function receiptToApi(receipt: AdviceReceipt): z.infer<typeof receiptOut> {
  return { ...receipt.advice, already_received: receipt.alreadyReceived }
}

export async function remittanceRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/remittance-advices',
    {
      config: { permission: 'bank.import' },
      schema: {
        summary: 'Receive remittance advices: files (multipart) or one advice as JSON',
        description:
          'Either `multipart/form-data` with one or more files in the field `file` (CSV or ' +
          'spreadsheet export, text, an .eml mail, a PDF with text), the payer, currency and ' +
          'date given in the query where the files do not state them; or `application/json` ' +
          'with the advice itself. What is given wins over what a file states. All files of ' +
          'a request are received in one transaction: a file that cannot be read (400, with ' +
          'the line and column), or whose total is not the sum of its lines (422, naming the ' +
          'difference), refuses the request whole. The same file (or JSON) again is ' +
          'recognised and answered with the advice stored the first time ' +
          '(`already_received`), so this route takes no Idempotency-Key.',
        tags: ['remittance advices'],
        consumes: ['multipart/form-data', 'application/json'],
        querystring: z.object(given),
        body: adviceJson.nullish(),
        response: {
          // Files: each with its advices (a mail gives several). JSON: the advice received
          // before (201 when it is new).
          200: z.union([
            z.object({
              files: z.array(z.object({ file_name: z.string(), advices: z.array(receiptOut) })),
            }),
            receiptOut,
          ]),
          201: receiptOut,
          ...problemReplies,
        },
      },
    },
    async (request, reply) => {
      const query = request.query
      const givenFields = {
        payerName: query.payer_name,
        payerIban: query.payer_iban,
        currency: query.currency,
        date: query.date,
      }
      if (!request.isMultipart()) {
        const body = request.body
        if (!body) {
          throw domainError(
            'request.unsupported_media_type',
            'Send advice files as multipart/form-data in the field "file", or one advice as JSON',
          )
        }
        const receipt = await read(request, (ctx) =>
          receiveRemittanceAdvice(ctx, {
            payerName: body.payer_name,
            payerIban: body.payer_iban,
            currency: body.currency,
            date: body.date,
            total: body.total,
            lines: body.lines.map((l) => ({ invoiceNumber: l.invoice_number, amount: l.amount })),
          }),
        )
        return reply.status(receipt.alreadyReceived ? 200 : 201).send(receiptToApi(receipt))
      }
      const files = await read(request, async (ctx) => {
        const received: { file_name: string; advices: z.infer<typeof receiptOut>[] }[] = []
        for await (const part of request.parts()) {
          if (part.type !== 'file') continue
          if (part.fieldname !== 'file') {
            throw invalid([
              { field: part.fieldname, message: 'send advice files in the field "file"' },
            ])
          }
          if (received.length >= adviceFilesPerUploadMax) {
            throw invalid([
              { field: 'file', message: `at most ${adviceFilesPerUploadMax} files per upload` },
            ])
          }
          const fileName = part.filename || 'upload'
          const bytes = await bytesOf(part.file, fileName)
          const receipts = await receiveRemittanceFile(ctx, { fileName, bytes }, givenFields)
          received.push({ file_name: fileName, advices: receipts.map(receiptToApi) })
        }
        if (received.length === 0) {
          throw invalid([{ field: 'file', message: 'send at least one advice file' }])
        }
        return received
      })
      return reply.status(200).send({ files })
    },
  )

  r.get(
    '/remittance-advices/:id',
    {
      config: { permission: 'bank.read' },
      schema: {
        summary: 'A remittance advice with its lines',
        tags: ['remittance advices'],
        params: idParam,
        response: { 200: adviceOut, ...problemReplies },
      },
    },
    (request) => read(request, (ctx) => getRemittanceAdvice(ctx, request.params.id)),
  )

  r.get(
    '/remittance-advices',
    {
      config: { permission: 'bank.read' },
      schema: {
        summary: 'Remittance advices received, oldest first',
        tags: ['remittance advices'],
        querystring: z.object({ ...pageQuery, status: z.enum(adviceStatuses).optional() }),
        response: { 200: pageOf(adviceOut), ...problemReplies },
      },
    },
    (request) =>
      read(request, (ctx) =>
        listRemittanceAdvices(ctx, {
          status: request.query.status,
          cursor: request.query.cursor,
          limit: request.query.limit,
        }),
      ),
  )
}

/** The upload's bytes, refusing more than an advice can be before reading them all. */
async function bytesOf(stream: AsyncIterable<Buffer>, fileName: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += chunk.length
    if (size > adviceBytesMax) {
      throw domainError(
        'cashapp.remittance_malformed',
        `${fileName} is larger than ${adviceBytesMax} bytes; an advice is smaller`,
        { file: fileName },
      )
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}
