import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { read, write } from '../../http/unit-of-work.js'
import { documentFormats, invoiceFile } from './documents.js'
import {
  type Delivery,
  listInvoiceDeliveries,
  queueInvoiceDelivery,
  recordDeliveryNews,
} from './service.js'
import { deliveryChannels, deliveryStatuses } from './tables.js'

export const deliveryOut = z.object({
  id: z.uuid(),
  subject: z.enum(['invoice', 'shipment_notice']),
  invoice_id: z.uuid().nullable(),
  shipment_id: z.uuid().nullable(),
  channel: z.enum(deliveryChannels),
  recipient: z.string().nullable().describe('email address or Peppol participant id scheme:id'),
  status: z.enum(deliveryStatuses),
  message_id: z.string().nullable(),
  attempts: z.number(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
  settled_at: z.string().nullable(),
})

export function deliveryToApi(d: Delivery): z.infer<typeof deliveryOut> {
  return {
    id: d.id,
    subject: d.subject,
    invoice_id: d.invoiceId,
    shipment_id: d.shipmentId,
    channel: d.channel,
    recipient: d.recipient,
    status: d.status,
    message_id: d.messageId,
    attempts: d.attempts,
    last_error: d.lastError,
    created_at: d.createdAt.toISOString(),
    sent_at: d.sentAt?.toISOString() ?? null,
    settled_at: d.settledAt?.toISOString() ?? null,
  }
}

export async function deliveryRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get(
    '/invoices/:id/document',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'Download an issued invoice or credit note: PDF, UBL, CII or Factur-X',
        description:
          'format=pdf (default) the PDF for people; ubl the UBL 2.1 e-invoice (Peppol BIS ' +
          'Billing 3.0); cii the UN/CEFACT CII (EN 16931); factur-x the PDF as PDF/A-3 with ' +
          'the CII embedded. The same bytes delivery sends.',
        tags: ['invoices', 'delivery'],
        params: idParam,
        querystring: z.object({ format: z.enum(documentFormats).default('pdf') }),
        response: problemReplies,
      },
    },
    async (request, reply) => {
      const file = await read(request, (ctx) =>
        invoiceFile(ctx, request.params.id, request.query.format),
      )
      // A file, not JSON: sent as it is, past the serializer.
      return (reply as FastifyReply)
        .type(file.mediaType)
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .send(Buffer.from(file.bytes))
    },
  )

  r.post(
    '/invoices/:id/send',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Send an issued invoice or credit note (again), optionally elsewhere',
        description:
          "Queues a delivery on the customer's channel, or on `channel`, to the customer's " +
          'address or to `to` (email and portal only). The worker sends it; follow it in ' +
          'GET /v1/invoices/{id}/deliveries and on the timeline.',
        tags: ['delivery'],
        params: idParam,
        body: z
          .object({
            to: z.email().max(320).optional(),
            channel: z.enum(deliveryChannels).optional(),
          })
          .default({}),
        response: { 202: deliveryOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 202, async (ctx) =>
        deliveryToApi(
          await queueInvoiceDelivery(ctx, request.params.id, {
            to: request.body.to,
            channel: request.body.channel,
          }),
        ),
      ),
  )

  r.post(
    '/invoices/:id/delivery-events',
    {
      config: { permission: 'invoices.write' },
      schema: {
        summary: 'Report what became of a delivery (mail provider webhook, access point callback)',
        description:
          'Settles the latest delivery of the invoice on `channel` (or the one whose ' +
          '`detail.message_id` matches) as delivered or bounced, and records the step on the ' +
          'timeline. The same report twice records it once.',
        tags: ['delivery'],
        params: idParam,
        body: z.object({
          step: z.enum(['delivered', 'bounced']),
          channel: z.enum(deliveryChannels),
          detail: z.record(z.string(), z.unknown()).default({}),
        }),
        response: { 200: deliveryOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) =>
        deliveryToApi(await recordDeliveryNews(ctx, request.params.id, request.body)),
      ),
  )

  r.get(
    '/invoices/:id/deliveries',
    {
      config: { permission: 'invoices.read' },
      schema: {
        summary: 'Every delivery of an invoice or credit note, oldest first',
        tags: ['delivery'],
        params: idParam,
        querystring: z.object({ ...pageQuery }),
        response: { 200: pageOf(deliveryOut), ...problemReplies },
      },
    },
    async (request) => {
      const page = await read(request, (ctx) =>
        listInvoiceDeliveries(ctx, request.params.id, request.query),
      )
      return { data: page.data.map(deliveryToApi), next_cursor: page.nextCursor }
    },
  )
}
