import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { formatAmount } from '../../../core/money.js'
import { calendarDate, idParam, problemReplies } from '../../../http/schemas.js'
import { read, write } from '../../../http/unit-of-work.js'
import {
  createDirectDebitBatch,
  type DirectDebitBatch,
  directDebitFile,
  getDirectDebitBatch,
  listDirectDebitBatches,
} from './batch.js'
import { addMandate, getMandate, listMandates, type Mandate, revokeMandate } from './mandates.js'

// SEPA mandates and direct-debit batches over HTTP; the batch's pain.008 as application/xml.

const tags = ['collections: direct debit']

const mandateOut = z.object({
  id: z.uuid(),
  customer_id: z.uuid(),
  mandate_reference: z.string(),
  scheme: z.enum(['CORE', 'B2B']),
  iban: z.string(),
  bic: z.string().nullable(),
  debtor_name: z.string(),
  signed_on: z.string(),
  first_collected_on: z.string().nullable(),
  status: z.enum(['active', 'revoked']),
  created_at: z.string(),
  version: z.number(),
})

export function mandateToApi(m: Mandate): z.infer<typeof mandateOut> {
  return {
    id: m.id,
    customer_id: m.customerId,
    mandate_reference: m.mandateReference,
    scheme: m.scheme,
    iban: m.iban,
    bic: m.bic,
    debtor_name: m.debtorName,
    signed_on: m.signedOn,
    first_collected_on: m.firstCollectedOn,
    status: m.status,
    created_at: m.createdAt.toISOString(),
    version: m.version,
  }
}

const batchSummaryOut = z.object({
  id: z.uuid(),
  message_id: z.string(),
  collection_date: z.string(),
  creditor_id: z.string(),
  item_count: z.number(),
  total: z.string(),
  currency: z.string(),
  created_at: z.string(),
  created_by: z.string(),
})

const batchOut = batchSummaryOut.extend({
  items: z.array(
    z.object({
      invoice_id: z.uuid(),
      invoice_number: z.string(),
      mandate_id: z.uuid(),
      end_to_end_id: z.string(),
      amount: z.string(),
      sequence_type: z.enum(['FRST', 'RCUR']),
      status: z.enum(['submitted', 'collected', 'returned']),
      return_reason: z.string().nullable(),
    }),
  ),
})

function summaryToApi(b: Omit<DirectDebitBatch, 'items'>): z.infer<typeof batchSummaryOut> {
  return {
    id: b.id,
    message_id: b.messageId,
    collection_date: b.collectionDate,
    creditor_id: b.creditorId,
    item_count: b.itemCount,
    total: formatAmount(b.totalMinor, b.currency),
    currency: b.currency,
    created_at: b.createdAt.toISOString(),
    created_by: b.createdBy,
  }
}

export function batchToApi(b: DirectDebitBatch): z.infer<typeof batchOut> {
  return {
    ...summaryToApi(b),
    items: b.items.map((i) => ({
      invoice_id: i.invoiceId,
      invoice_number: i.invoiceNumber,
      mandate_id: i.mandateId,
      end_to_end_id: i.endToEndId,
      amount: formatAmount(i.amountMinor, b.currency),
      sequence_type: i.sequenceType,
      status: i.status,
      return_reason: i.returnReason,
    })),
  }
}

export async function directDebitRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/sepa-mandates',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: "Record a customer's SEPA direct-debit mandate",
        tags,
        body: z.object({
          customer_id: z.uuid(),
          mandate_reference: z.string(),
          scheme: z.enum(['CORE', 'B2B']).default('CORE'),
          iban: z.string(),
          bic: z.string().nullable().optional(),
          debtor_name: z.string(),
          signed_on: calendarDate,
        }),
        response: { 201: mandateOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const b = request.body
        return mandateToApi(
          await addMandate(ctx, {
            customerId: b.customer_id,
            mandateReference: b.mandate_reference,
            scheme: b.scheme,
            iban: b.iban,
            bic: b.bic ?? null,
            debtorName: b.debtor_name,
            signedOn: b.signed_on,
          }),
        )
      }),
  )

  r.get(
    '/sepa-mandates',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'SEPA mandates, newest first',
        tags,
        querystring: z.object({
          customer: z.uuid().optional(),
          status: z.enum(['active', 'revoked']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ data: z.array(mandateOut) }), ...problemReplies },
      },
    },
    (request) =>
      read(request, async (ctx) => ({
        data: (
          await listMandates(ctx, {
            ...(request.query.customer ? { customerId: request.query.customer } : {}),
            ...(request.query.status ? { status: request.query.status } : {}),
            limit: request.query.limit,
          })
        ).map(mandateToApi),
      })),
  )

  r.get(
    '/sepa-mandates/:id',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'One SEPA mandate',
        tags,
        params: idParam,
        response: { 200: mandateOut, ...problemReplies },
      },
    },
    (request) =>
      read(request, async (ctx) => mandateToApi(await getMandate(ctx, request.params.id))),
  )

  r.post(
    '/sepa-mandates/:id/revoke',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Revoke a mandate: nothing more is collected with it',
        tags,
        params: idParam,
        response: { 200: mandateOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        mandateToApi(await revokeMandate(ctx, request.params.id)),
      ),
  )

  r.post(
    '/direct-debit-batches',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Collect the due invoices of customers with a mandate in a pain.008 batch',
        description:
          'Takes the issued, open EUR invoices due on or before `collection_date` of customers ' +
          'with an active mandate that are not in a submitted or collected direct debit ' +
          'already. FRST for a mandate’s first collection, RCUR after. `creditor_id` is the ' +
          "tenant's SEPA creditor identifier; left out, the last batch's is used. The file: " +
          'GET …/{id}/pain008.',
        tags,
        body: z.object({ collection_date: calendarDate, creditor_id: z.string().optional() }),
        response: { 201: batchOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) =>
        batchToApi(
          await createDirectDebitBatch(ctx, {
            collectionDate: request.body.collection_date,
            ...(request.body.creditor_id ? { creditorId: request.body.creditor_id } : {}),
          }),
        ),
      ),
  )

  r.get(
    '/direct-debit-batches',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'Direct-debit batches, newest first',
        tags,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ data: z.array(batchSummaryOut) }), ...problemReplies },
      },
    },
    (request) =>
      read(request, async (ctx) => ({
        data: (await listDirectDebitBatches(ctx, { limit: request.query.limit })).map(summaryToApi),
      })),
  )

  r.get(
    '/direct-debit-batches/:id',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'A direct-debit batch with its items (submitted, collected, returned)',
        tags,
        params: idParam,
        response: { 200: batchOut, ...problemReplies },
      },
    },
    (request) =>
      read(request, async (ctx) => batchToApi(await getDirectDebitBatch(ctx, request.params.id))),
  )

  r.get(
    '/direct-debit-batches/:id/pain008',
    {
      config: { permission: 'collections.read' },
      schema: {
        summary: 'The batch’s pain.008.001.02 file, as written',
        tags,
        params: idParam,
        response: { 200: z.string(), ...problemReplies },
      },
    },
    async (request, reply) => {
      const xml = await read(request, (ctx) => directDebitFile(ctx, request.params.id))
      reply.type('application/xml; charset=utf-8')
      return xml
    },
  )
}
