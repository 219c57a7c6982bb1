import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { domainError, invalid } from '../../../core/errors.js'
import { formatAmount } from '../../../core/money.js'
import {
  calendarDate,
  decimalString,
  idParam,
  pageOf,
  pageQuery,
  problemReplies,
} from '../../../http/schemas.js'
import { expectedVersion, read, withEtag, write } from '../../../http/unit-of-work.js'
import { disputeCategories, disputeStatuses } from '../tables.js'
import {
  addDisputeAttachment,
  attachmentBytesMax,
  getDisputeAttachment,
  listDisputeAttachments,
  type NewAttachment,
} from './attachments.js'
import {
  assignDispute,
  type Dispute,
  type DisputeAttachmentSummary,
  disputeLinesMax,
  getDispute,
  investigateDispute,
  listDisputes,
  openDispute,
  rejectDispute,
  resolveDispute,
  withdrawDispute,
} from './disputes.js'
import { disputeRootCauses, type RootCauseReport } from './report.js'

// Disputes over HTTP: /v1/disputes (disputes.read to read, disputes.write to open and work
// them, disputes.resolve to resolve or reject: a resolution may issue a credit note) and the
// root-cause report /v1/reports/dispute-root-causes. Every change of a dispute needs If-Match
// with the ETag (the version) last read; Idempotency-Key makes a retry harmless.

const attachmentOut = z.object({
  id: z.uuid(),
  file_name: z.string(),
  content_type: z.string(),
  size_bytes: z.number(),
  sha256: z.string(),
  added_at: z.string(),
  added_by: z.string(),
})

const disputeOut = z.object({
  id: z.uuid(),
  number: z.string().describe('D-YYYY-NNNNN'),
  invoice_id: z.uuid(),
  invoice_number: z.string(),
  customer_id: z.uuid(),
  category: z.enum(disputeCategories),
  amount: z.string().describe('the disputed amount'),
  currency: z.string(),
  description: z.string(),
  status: z.enum(disputeStatuses),
  owner: z.string().nullable(),
  sla_due_on: z.string(),
  sla_overdue: z.boolean().describe('open or investigating and past its SLA deadline'),
  opened_via: z.enum(['collector', 'pay_page', 'api']),
  opened_at: z.string(),
  opened_by: z.string(),
  resolution_note: z.string().nullable(),
  root_cause: z.string().nullable(),
  credit_note_id: z.uuid().nullable(),
  credit_note_number: z.string().nullable(),
  closed_at: z.string().nullable(),
  closed_by: z.string().nullable(),
  version: z.number().describe('the ETag; send it as If-Match to change the dispute'),
  lines: z.array(
    z.object({
      line_number: z.number(),
      item_code: z.string(),
      description: z.string(),
      amount: z.string(),
      quantity: z.string().nullable(),
    }),
  ),
  attachments: z.array(attachmentOut),
})

export type DisputeOut = z.infer<typeof disputeOut>

export function attachmentToApi(a: DisputeAttachmentSummary): z.infer<typeof attachmentOut> {
  return {
    id: a.id,
    file_name: a.fileName,
    content_type: a.contentType,
    size_bytes: a.sizeBytes,
    sha256: a.sha256,
    added_at: a.addedAt.toISOString(),
    added_by: a.addedBy,
  }
}

export function disputeToApi(d: Dispute): DisputeOut {
  return {
    id: d.id,
    number: d.number,
    invoice_id: d.invoiceId,
    invoice_number: d.invoiceNumber,
    customer_id: d.customerId,
    category: d.category,
    amount: formatAmount(d.disputedMinor, d.currency),
    currency: d.currency,
    description: d.description,
    status: d.status,
    owner: d.owner,
    sla_due_on: d.slaDueOn,
    sla_overdue: d.slaOverdue,
    opened_via: d.openedVia,
    opened_at: d.openedAt.toISOString(),
    opened_by: d.openedBy,
    resolution_note: d.resolutionNote,
    root_cause: d.rootCause,
    credit_note_id: d.creditNoteId,
    credit_note_number: d.creditNoteNumber,
    closed_at: d.closedAt?.toISOString() ?? null,
    closed_by: d.closedBy,
    version: d.version,
    lines: d.lines.map((l) => ({
      line_number: l.lineNumber,
      item_code: l.itemCode,
      description: l.description,
      amount: formatAmount(l.disputedMinor, d.currency),
      quantity: l.quantity,
    })),
    attachments: d.attachments.map(attachmentToApi),
  }
}

const quantityString = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal such as "2.5"')

export const openDisputeIn = z.object({
  invoice_id: z.uuid(),
  category: z.enum(disputeCategories),
  description: z.string().max(5_000),
  amount: decimalString.optional().describe('the disputed amount of the whole invoice'),
  lines: z
    .array(
      z.object({
        line_number: z.number().int().min(1),
        amount: decimalString,
        quantity: quantityString.optional(),
      }),
    )
    .max(disputeLinesMax)
    .optional()
    .describe('the disputed lines; the dispute amount is their sum'),
  owner: z.email().nullable().optional().describe('a user of the tenant who handles it'),
  opened_via: z.enum(['collector', 'api']).default('collector'),
})

const creditIn = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('disputed').describe('a credit note of the disputed amount') }),
  z.object({ kind: z.literal('amount'), amount: decimalString }),
  z.object({
    kind: z.literal('lines'),
    lines: z
      .array(z.object({ line_number: z.number().int().min(1), quantity: quantityString }))
      .min(1)
      .max(disputeLinesMax),
  }),
])

const resolveIn = z.object({
  root_cause: z.string().max(200),
  resolution_note: z.string().max(5_000),
  credit: creditIn.optional().describe('without: resolved without a credit note'),
})

const countsRow = {
  disputes: z.number(),
  currency: z.string(),
  disputed: z.string(),
  credited: z.string(),
  resolved: z.number(),
  average_days_to_resolve: z.number().nullable(),
  disputed_invoices: z.number(),
}

const reportOut = z.object({
  from: z.string(),
  to: z.string(),
  invoices_issued: z.number(),
  disputed_invoices: z.number(),
  dispute_rate: z.number().nullable(),
  by_category: z.array(
    z.object({ category: z.string(), ...countsRow, dispute_rate: z.number().nullable() }),
  ),
  by_product: z.array(
    z.object({
      item_code: z.string().nullable(),
      description: z.string().nullable(),
      ...countsRow,
    }),
  ),
  by_customer: z.array(
    z.object({
      customer_id: z.uuid(),
      customer_number: z.string().nullable(),
      customer_name: z.string().nullable(),
      ...countsRow,
      invoices_issued: z.number(),
      dispute_rate: z.number().nullable(),
    }),
  ),
  by_root_cause: z.array(z.object({ root_cause: z.string().nullable(), disputes: z.number() })),
})

export function reportToApi(r: RootCauseReport): z.infer<typeof reportOut> {
  const counts = (row: RootCauseReport['byCategory'][number]) => ({
    disputes: row.disputes,
    currency: row.currency,
    disputed: formatAmount(row.disputedMinor, row.currency),
    credited: formatAmount(row.creditedMinor, row.currency),
    resolved: row.resolved,
    average_days_to_resolve: row.averageDaysToResolve,
    disputed_invoices: row.disputedInvoices,
  })
  return {
    from: r.from,
    to: r.to,
    invoices_issued: r.invoicesIssued,
    disputed_invoices: r.disputedInvoices,
    dispute_rate: r.disputeRate,
    by_category: r.byCategory.map((c) => ({
      category: c.category,
      ...counts(c),
      dispute_rate: c.disputeRate,
    })),
    by_product: r.byProduct.map((p) => ({
      item_code: p.itemCode,
      description: p.description,
      ...counts({ ...p, category: '', disputeRate: null }),
    })),
    by_customer: r.byCustomer.map((c) => ({
      customer_id: c.customerId,
      customer_number: c.customerNumber,
      customer_name: c.customerName,
      ...counts({ ...c, category: '', disputeRate: null }),
      invoices_issued: c.invoicesIssued,
      dispute_rate: c.disputeRate,
    })),
    by_root_cause: r.byRootCause.map((x) => ({ root_cause: x.rootCause, disputes: x.disputes })),
  }
}

const statusQuery = z
  .string()
  .optional()
  .describe(`one or more of ${disputeStatuses.join(', ')}, comma-separated`)
  .transform((text, context) => {
    if (text === undefined || text.trim() === '') return undefined
    const statuses = text.split(',').map((s) => s.trim())
    for (const s of statuses) {
      if (!(disputeStatuses as readonly string[]).includes(s)) {
        context.addIssue({ code: 'custom', message: `'${s}' is not one of ${disputeStatuses}` })
        return z.NEVER
      }
    }
    return statuses as (typeof disputeStatuses)[number][]
  })

const changeDescription =
  'Send `If-Match` with the ETag of the dispute you read (428 without, 412 when it changed ' +
  'since); a move its status does not allow is 409 `collections.dispute_transition_not_allowed`.'

// Base64 of a 10 MB file is 13.4 MB; a little more for the JSON around it.
const attachmentBodyBytesMax = Math.ceil((attachmentBytesMax * 4) / 3) + 64 * 1024

export async function disputeRoutes(app: FastifyInstance): Promise<void> {
  // Multipart for this plugin only (attachments); other routes keep their parsers.
  await app.register(multipart, {
    limits: { fileSize: attachmentBytesMax, files: 1, fields: 5, parts: 6 },
  })
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/disputes',
    {
      config: { permission: 'disputes.write' },
      schema: {
        summary: 'Open a dispute on an issued invoice, or on lines of it',
        description:
          'Give `amount` (the whole invoice, or part of it) or `lines` (each with its disputed ' +
          'amount and, for a quantity dispute, quantity; the dispute amount is their sum). More ' +
          'than is open and not yet disputed is 422 `collections.dispute_exceeds_open` and ' +
          'writes nothing. The SLA deadline is today plus the tenant’s days for the category. ' +
          'The invoice’s timeline gets a `disputed` step, the customer a confirmation.',
        tags: ['disputes'],
        body: openDisputeIn,
        response: { 201: disputeOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const b = request.body
        return disputeToApi(
          await openDispute(ctx, {
            invoiceId: b.invoice_id,
            category: b.category,
            description: b.description,
            amount: b.amount,
            lines: b.lines?.map((l) => ({
              lineNumber: l.line_number,
              amount: l.amount,
              quantity: l.quantity,
            })),
            owner: b.owner ?? null,
            openedVia: b.opened_via,
          }),
        )
      }),
  )

  r.get(
    '/disputes',
    {
      config: { permission: 'disputes.read' },
      schema: {
        summary: 'Disputes, newest first; sla_overdue=true: the dispute manager’s list',
        description:
          'With `sla_overdue=true`, the open and investigating disputes past their SLA deadline, ' +
          'the longest overdue first.',
        tags: ['disputes'],
        querystring: z.object({
          status: statusQuery,
          owner: z.string().max(320).optional().describe('the owner’s e-mail'),
          category: z.enum(disputeCategories).optional(),
          customer_id: z.uuid().optional(),
          invoice_id: z.uuid().optional(),
          sla_overdue: z.stringbool().optional(),
          ...pageQuery,
        }),
        response: { 200: pageOf(disputeOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        listDisputes(ctx, {
          status: q.status,
          owner: q.owner,
          category: q.category,
          customerId: q.customer_id,
          invoiceId: q.invoice_id,
          slaOverdue: q.sla_overdue,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(disputeToApi), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/disputes/:id',
    {
      config: { permission: 'disputes.read' },
      schema: {
        summary: 'One dispute with its lines and attachments',
        tags: ['disputes'],
        params: idParam,
        response: { 200: disputeOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        disputeToApi(await read(request, (ctx) => getDispute(ctx, request.params.id))),
      ),
  )

  r.post(
    '/disputes/:id/investigate',
    {
      config: { permission: 'disputes.write' },
      schema: {
        summary: 'open → investigating',
        description: changeDescription,
        tags: ['disputes'],
        params: idParam,
        body: z.object({ note: z.string().max(2_000).optional() }).default({}),
        response: { 200: disputeOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        disputeToApi(
          await investigateDispute(ctx, request.params.id, expectedVersion(request), {
            note: request.body.note,
          }),
        ),
      ),
  )

  const assign = {
    config: { permission: 'disputes.write' as const },
    schema: {
      summary: 'Give the dispute an owner (a user of the tenant), or none (null)',
      description: changeDescription,
      tags: ['disputes'],
      params: idParam,
      body: z.object({ owner: z.email().nullable() }),
      response: { 200: disputeOut, ...problemReplies },
    },
  }
  const assignHandler = (
    request: FastifyRequest<{ Params: { id: string }; Body: { owner: string | null } }>,
    reply: Parameters<typeof write>[1],
  ) =>
    write(request, reply, 200, async (ctx) =>
      disputeToApi(
        await assignDispute(ctx, request.params.id, expectedVersion(request), request.body.owner),
      ),
    )
  r.post('/disputes/:id/assign', assign, assignHandler)
  r.patch(
    '/disputes/:id',
    { ...assign, schema: { ...assign.schema, summary: 'Change the owner of a dispute' } },
    assignHandler,
  )

  r.post(
    '/disputes/:id/resolve',
    {
      config: { permission: 'disputes.resolve' },
      schema: {
        summary:
          'Resolve: with a credit note (of the disputed amount, an amount, or lines) or none',
        description:
          'With `credit`, the dispute creates and issues the credit note through invoicing and ' +
          'links it; more than disputed is 422 `collections.dispute_credit_exceeds_disputed` and ' +
          'writes nothing. `root_cause` feeds the root-cause report. The customer is told. ' +
          changeDescription,
        tags: ['disputes'],
        params: idParam,
        body: resolveIn,
        response: { 200: disputeOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const b = request.body
        const credit = b.credit
        return disputeToApi(
          await resolveDispute(ctx, request.params.id, expectedVersion(request), {
            rootCause: b.root_cause,
            resolutionNote: b.resolution_note,
            credit:
              credit === undefined
                ? undefined
                : credit.kind === 'lines'
                  ? {
                      kind: 'lines',
                      lines: credit.lines.map((l) => ({
                        lineNumber: l.line_number,
                        quantity: l.quantity,
                      })),
                    }
                  : credit,
          }),
        )
      }),
  )

  r.post(
    '/disputes/:id/reject',
    {
      config: { permission: 'disputes.resolve' },
      schema: {
        summary: 'Reject: dunning resumes; the customer gets the resolution note in their language',
        description: changeDescription,
        tags: ['disputes'],
        params: idParam,
        body: z.object({
          resolution_note: z.string().max(5_000),
          root_cause: z.string().max(200).optional(),
        }),
        response: { 200: disputeOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        disputeToApi(
          await rejectDispute(ctx, request.params.id, expectedVersion(request), {
            resolutionNote: request.body.resolution_note,
            rootCause: request.body.root_cause,
          }),
        ),
      ),
  )

  r.post(
    '/disputes/:id/withdraw',
    {
      config: { permission: 'disputes.write' },
      schema: {
        summary: 'Withdrawn by the customer (or the collector for them): dunning resumes',
        description: changeDescription,
        tags: ['disputes'],
        params: idParam,
        body: z.object({ note: z.string().max(5_000).optional() }).default({}),
        response: { 200: disputeOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        disputeToApi(
          await withdrawDispute(ctx, request.params.id, expectedVersion(request), {
            note: request.body.note,
          }),
        ),
      ),
  )

  r.post(
    '/disputes/:id/attachments',
    {
      config: { permission: 'disputes.write' },
      bodyLimit: attachmentBodyBytesMax,
      schema: {
        summary: 'Add a file to an open dispute (multipart field "file", or JSON with base64)',
        description:
          'PDF, images (PNG, JPEG, GIF, WebP, HEIC), plain text or e-mail (.eml), at most ' +
          '10 MB; stored with its SHA-256 and size. JSON: `{file_name, content_type, ' +
          'content_base64}`.',
        tags: ['disputes'],
        consumes: ['multipart/form-data', 'application/json'],
        params: idParam,
        body: z
          .object({
            file_name: z.string().max(255),
            content_type: z.string().max(200),
            content_base64: z.string(),
          })
          .nullish()
          .describe('JSON only; multipart sends the file in the field "file"'),
        response: { 201: attachmentOut, ...problemReplies },
      },
    },
    async (request, reply) => {
      const file = await attachmentOf(request)
      return write(request, reply, 201, async (ctx) =>
        attachmentToApi(await addDisputeAttachment(ctx, request.params.id, file)),
      )
    },
  )

  r.get(
    '/disputes/:id/attachments',
    {
      config: { permission: 'disputes.read' },
      schema: {
        summary: 'The files of a dispute',
        tags: ['disputes'],
        params: idParam,
        response: { 200: z.object({ data: z.array(attachmentOut) }), ...problemReplies },
      },
    },
    async (request) => ({
      data: (await read(request, (ctx) => listDisputeAttachments(ctx, request.params.id))).map(
        attachmentToApi,
      ),
    }),
  )

  r.get(
    '/disputes/:id/attachments/:attachmentId',
    {
      config: { permission: 'disputes.read' },
      schema: {
        summary: 'Download a file of a dispute (as stored)',
        tags: ['disputes'],
        params: z.object({ id: z.uuid(), attachmentId: z.uuid() }),
        response: { 200: z.any(), ...problemReplies },
      },
    },
    async (request, reply) => {
      const file = await read(request, (ctx) =>
        getDisputeAttachment(ctx, request.params.id, request.params.attachmentId),
      )
      return reply
        .status(200)
        .type(file.contentType)
        .header(
          'content-disposition',
          `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`,
        )
        .header('x-content-type-options', 'nosniff')
        .header('digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`)
        .send(file.content)
    },
  )

  r.get(
    '/reports/dispute-root-causes',
    {
      config: { permission: 'disputes.read' },
      schema: {
        summary: 'Disputes opened in a period by category, product and customer',
        description:
          'Counts, disputed and credited amounts, average days to resolve and the dispute rate ' +
          '(invoices disputed ÷ invoices issued in the period).',
        tags: ['disputes', 'reports'],
        querystring: z.object({ from: calendarDate, to: calendarDate }),
        response: { 200: reportOut, ...problemReplies },
      },
    },
    async (request) =>
      reportToApi(
        await read(request, (ctx) => disputeRootCauses(ctx, request.query.from, request.query.to)),
      ),
  )
}

/** The uploaded file: multipart field "file", or JSON with the content in base64. */
async function attachmentOf(request: FastifyRequest): Promise<NewAttachment> {
  if (request.isMultipart()) {
    const part = await request.file()
    if (!part) throw invalid([{ field: 'file', message: 'send the file in the field "file"' }])
    const content = await part.toBuffer().catch((error: unknown) => {
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw domainError('collections.attachment_too_large', `file: more than 10 MB`, {
          field: 'file',
          sizeBytesMax: attachmentBytesMax,
        })
      }
      throw error
    })
    return { fileName: part.filename, contentType: part.mimetype, content }
  }
  const body = request.body as
    | { file_name: string; content_type: string; content_base64: string }
    | undefined
  if (!body) throw invalid([{ field: 'file', message: 'send a file (multipart) or JSON' }])
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.content_base64.replace(/\s/g, ''))) {
    throw invalid([{ field: 'content_base64', message: 'is not base64' }])
  }
  return {
    fileName: body.file_name,
    contentType: body.content_type,
    content: Buffer.from(body.content_base64, 'base64'),
  }
}
