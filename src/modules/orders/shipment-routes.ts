import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { invalid } from '../../core/errors.js'
import { calendarDate, idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { read, withEtag, write } from '../../http/unit-of-work.js'
import { importCarrierEvents } from './carrier-events.js'
import {
  shipmentIn,
  shipmentOut,
  shipmentToApi,
  uninvoicedLineOut,
  uninvoicedLineToApi,
} from './schemas.js'
import { createShipment, deliverShipment, getShipment, listShipments } from './shipments.js'
import { type ShipmentStatus, shipmentStatuses } from './tables.js'
import { uninvoicedShipmentLines } from './uninvoiced.js'

export async function shipmentRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/shipments',
    {
      config: { permission: 'shipments.write' },
      schema: {
        summary: 'Ship (part of) an order, per order line',
        tags: ['shipments'],
        body: shipmentIn,
        response: { 201: shipmentOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 201, async (ctx) => {
        const b = request.body
        const shipment = await createShipment(ctx, {
          orderId: b.order_id,
          carrier: b.carrier,
          trackingNumber: b.tracking_number,
          trackingUrl: b.tracking_url,
          shippedAt:
            b.shipped_at === undefined
              ? undefined
              : b.shipped_at === null
                ? null
                : new Date(b.shipped_at),
          lines: b.lines.map((l) => ({
            orderLineId: l.order_line_id,
            quantity: String(l.quantity),
          })),
        })
        return shipmentToApi(shipment)
      }),
  )

  r.get(
    '/shipments',
    {
      config: { permission: 'shipments.read' },
      schema: {
        summary: 'Find shipments',
        tags: ['shipments'],
        querystring: z.object({
          order_id: z.uuid().optional(),
          customer_id: z.uuid().optional(),
          status: z.string().optional().describe('one or more statuses, comma separated'),
          carrier: z.string().max(40).optional(),
          tracking_number: z.string().max(64).optional(),
          shipped_from: calendarDate.optional(),
          shipped_to: calendarDate.optional(),
          ...pageQuery,
        }),
        response: { 200: pageOf(shipmentOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        listShipments(ctx, {
          orderId: q.order_id,
          customerId: q.customer_id,
          status: parseStatuses(q.status),
          carrier: q.carrier,
          trackingNumber: q.tracking_number,
          shippedFrom: q.shipped_from,
          shippedTo: q.shipped_to,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(shipmentToApi), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/shipments/uninvoiced',
    {
      config: { permission: 'shipments.read' },
      schema: {
        summary: 'Shipped and not yet invoiced, per shipment line (what invoicing bills next)',
        tags: ['shipments'],
        querystring: z.object({
          customer_id: z.uuid().optional(),
          order_id: z.uuid().optional(),
          currency: z.string().length(3).optional(),
          shipped_to: calendarDate.optional().describe('shipped on or before this date'),
          ...pageQuery,
        }),
        response: { 200: pageOf(uninvoicedLineOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        uninvoicedShipmentLines(ctx, {
          customerId: q.customer_id,
          orderId: q.order_id,
          currency: q.currency?.toUpperCase(),
          shippedTo: q.shipped_to,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(uninvoicedLineToApi), next_cursor: page.nextCursor }
    },
  )

  r.post(
    '/shipments/carrier-events',
    {
      config: { permission: 'shipments.write' },
      schema: {
        summary: 'Import carrier events (shipped, delivered) by tracking number from CSV',
        description:
          'Columns by header name: tracking_number, event (shipped or delivered) required; ' +
          'occurred_at (ISO 8601 with offset; default now), carrier. A file with a bad row ' +
          'applies nothing.',
        tags: ['shipments'],
        consumes: ['text/csv'],
        body: z.string().describe('the CSV file'),
        response: {
          200: z.object({
            rows: z.number(),
            shipped: z.number(),
            delivered: z.number(),
            unchanged: z.number(),
          }),
          ...problemReplies,
        },
      },
    },
    (request, reply) => write(request, reply, 200, (ctx) => importCarrierEvents(ctx, request.body)),
  )

  r.get(
    '/shipments/:id',
    {
      config: { permission: 'shipments.read' },
      schema: {
        summary: 'A shipment with its lines and track & trace link',
        tags: ['shipments'],
        params: idParam,
        response: { 200: shipmentOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        shipmentToApi(await read(request, (ctx) => getShipment(ctx, request.params.id))),
      ),
  )

  r.post(
    '/shipments/:id/deliver',
    {
      config: { permission: 'shipments.write' },
      schema: {
        summary: 'Record that the customer received the shipment',
        tags: ['shipments'],
        params: idParam,
        body: z.object({ delivered_at: z.iso.datetime({ offset: true }).optional() }).default({}),
        response: { 200: shipmentOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const at = request.body.delivered_at ? new Date(request.body.delivered_at) : ctx.now
        return shipmentToApi(await deliverShipment(ctx, request.params.id, at))
      }),
  )
}

function parseStatuses(text: string | undefined): ShipmentStatus[] | undefined {
  if (!text) return undefined
  const statuses = text.split(',').map((s) => s.trim())
  const unknown = statuses.filter((s) => !(shipmentStatuses as readonly string[]).includes(s))
  if (unknown.length > 0) {
    throw invalid([
      {
        field: 'query.status',
        message: `${unknown.join(', ')} is not a status (${shipmentStatuses.join(', ')})`,
      },
    ])
  }
  return statuses as ShipmentStatus[]
}
