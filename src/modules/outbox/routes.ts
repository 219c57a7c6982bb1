import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { idParam, pageOf, pageQuery, problemReplies } from '../../http/schemas.js'
import { expectedVersion, read, withEtag, write } from '../../http/unit-of-work.js'
import { eventBody, findEvent, listEvents } from './events.js'
import {
  createWebhook,
  findDelivery,
  findWebhook,
  listDeliveries,
  listWebhooks,
  redeliverWebhook,
  rotateWebhookSecret,
  updateWebhook,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './webhooks.js'

const webhookOut = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  event_types: z.array(z.string()),
  active: z.boolean(),
  created_at: z.string(),
  version: z.number(),
})

const secretOut = z.string().describe('the signing secret; shown in this reply only')

const deliveryStatus = z.enum(['pending', 'delivered', 'failed'])

const deliveryOut = z.object({
  id: z.string(),
  webhook_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  status: deliveryStatus,
  attempt_count: z.number(),
  created_at: z.string(),
  delivered_at: z.string().nullable(),
  next_attempt_at: z.string().nullable().describe('when the next retry is due, while one is'),
})

const attemptOut = z.object({
  id: z.string(),
  attempted_at: z.string(),
  status_code: z.number().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number(),
})

const eventOut = z.object({
  id: z.string(),
  type: z.string(),
  occurred_at: z.string(),
  entity_type: z.string(),
  entity_id: z.string(),
  data: z.unknown(),
})

const webhookFields = {
  url: z.string().max(2_000).describe('http or https URL that receives the POSTs'),
  event_types: z
    .array(z.string().max(200))
    .min(1)
    .max(100)
    .describe('event types to receive, such as "order.confirmed"; "*" for every type'),
  description: z.string().max(500),
}

// A secret shown once must not come back from an idempotent replay of the same request.
const redactSecret = (body: unknown) => ({
  ...(body as object),
  secret: '(shown once, in the first reply)',
})

const presentWebhook = (w: WebhookEndpoint) => ({
  id: w.id,
  url: w.url,
  description: w.description,
  event_types: w.eventTypes,
  active: w.active,
  created_at: w.createdAt.toISOString(),
  version: w.version,
})

const presentDelivery = (d: WebhookDelivery) => ({
  id: d.id,
  webhook_id: d.webhookId,
  event_id: d.eventId,
  event_type: d.eventType,
  status: d.status,
  attempt_count: d.attempts,
  created_at: d.createdAt.toISOString(),
  delivered_at: d.deliveredAt?.toISOString() ?? null,
  next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
})

const presentAttempt = (a: WebhookAttempt) => ({
  id: a.id,
  attempted_at: a.attemptedAt.toISOString(),
  status_code: a.statusCode,
  error: a.error,
  duration_ms: a.durationMs,
})

export async function outboxRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post(
    '/webhooks',
    {
      config: { permission: 'webhooks.manage' },
      schema: {
        summary: 'Register a webhook endpoint; its signing secret is shown in this reply only',
        tags: ['webhooks'],
        body: z.object({ ...webhookFields, description: webhookFields.description.optional() }),
        response: { 201: webhookOut.extend({ secret: secretOut }), ...problemReplies },
      },
    },
    (request, reply) =>
      write(
        request,
        reply,
        201,
        async (ctx) => {
          const { webhook, secret } = await createWebhook(ctx, {
            url: request.body.url,
            eventTypes: request.body.event_types,
            description: request.body.description,
          })
          return { ...presentWebhook(webhook), secret }
        },
        { redact: redactSecret },
      ),
  )

  r.get(
    '/webhooks',
    {
      config: { permission: 'webhooks.manage' },
      schema: {
        summary: "The tenant's webhook endpoints",
        tags: ['webhooks'],
        querystring: z.object(pageQuery),
        response: { 200: pageOf(webhookOut), ...problemReplies },
      },
    },
    async (request) => {
      const page = await read(request, (ctx) => listWebhooks(ctx, request.query))
      return { data: page.data.map(presentWebhook), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/webhooks/:id',
    {
      config: { permission: 'webhooks.manage' },
      schema: {
        summary: 'One webhook endpoint, with its ETag',
        tags: ['webhooks'],
        params: idParam,
        response: { 200: webhookOut, ...problemReplies },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        presentWebhook(await read(request, (ctx) => findWebhook(ctx, request.params.id))),
      ),
  )

  r.patch(
    '/webhooks/:id',
    {
      config: { permission: 'webhooks.manage' },
      schema: {
        summary: 'Change a webhook endpoint (send If-Match with its ETag)',
        tags: ['webhooks'],
        params: idParam,
        body: z
          .object({
            url: webhookFields.url.optional(),
            event_types: webhookFields.event_types.optional(),
            description: webhookFields.description.optional(),
            active: z.boolean().optional(),
          })
          .refine((body) => Object.keys(body).length > 0, 'name at least one field to change'),
        response: { 200: webhookOut, ...problemReplies },
      },
    },
    (request, reply) => {
      const version = expectedVersion(request)
      return write(request, reply, 200, async (ctx) =>
        presentWebhook(
          await updateWebhook(ctx, request.params.id, version, {
            url: request.body.url,
            eventTypes: request.body.event_types,
            description: request.body.description,
            active: request.body.active,
          }),
        ),
      )
    },
  )

  r.post(
    '/webhooks/:id/rotate-secret',
    {
      config: { permission: 'webhooks.manage' },
      schema: {
        summary:
          'Give the endpoint a new signing secret (shown in this reply only); the old one ' +
          'keeps signing beside it until previous_secret_expires_at',
        tags: ['webhooks'],
        params: idParam,
        response: {
          200: webhookOut.extend({ secret: secretOut, previous_secret_expires_at: z.string() }),
          ...problemReplies,
        },
      },
    },
    (request, reply) =>
      write(
        request,
        reply,
        200,
        async (ctx) => {
          const rotated = await rotateWebhookSecret(ctx, request.params.id)
          return {
            ...presentWebhook(rotated.webhook),
            secret: rotated.secret,
            previous_secret_expires_at: rotated.previousSecretExpiresAt.toISOString(),
          }
        },
        { redact: redactSecret },
      ),
  )

  r.get(
    '/webhooks/:id/deliveries',
    {
      config: { permission: 'webhooks.manage' },
      schema: {
        summary: "An endpoint's deliveries, oldest first",
        tags: ['webhooks'],
        params: idParam,
        querystring: z.object({ status: deliveryStatus.optional(), ...pageQuery }),
        response: { 200: pageOf(deliveryOut), ...problemReplies },
      },
    },
    async (request) => {
      const page = await read(request, (ctx) =>
        listDeliveries(ctx, request.params.id, request.query),
      )
      return { data: page.data.map(presentDelivery), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/webhook-deliveries/:id',
    {
      config: { permission: 'webhooks.manage' },
      schema: {
        summary: 'One delivery with its attempts (status code or error, duration)',
        tags: ['webhooks'],
        params: idParam,
        response: {
          200: deliveryOut.extend({ attempts: z.array(attemptOut) }),
          ...problemReplies,
        },
      },
    },
    async (request) => {
      const delivery = await read(request, (ctx) => findDelivery(ctx, request.params.id))
      return { ...presentDelivery(delivery), attempts: delivery.attemptLog.map(presentAttempt) }
    },
  )

  r.post(
    '/webhook-deliveries/:id/redeliver',
    {
      config: { permission: 'webhooks.manage' },
      schema: {
        summary: 'Send a delivery again, now, with a fresh round of retries',
        tags: ['webhooks'],
        params: idParam,
        response: { 202: deliveryOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 202, async (ctx) =>
        presentDelivery(await redeliverWebhook(ctx, request.params.id)),
      ),
  )

  r.get(
    '/events',
    {
      config: { permission: 'audit.read' },
      schema: {
        summary: "The tenant's domain events (the outbox), oldest first",
        tags: ['events'],
        querystring: z.object({
          type: z.string().optional().describe('such as "order.confirmed"'),
          entity_type: z.string().optional(),
          entity_id: z.string().optional(),
          occurred_after: z.iso
            .datetime({ offset: true })
            .optional()
            .describe('events at or after this instant'),
          occurred_before: z.iso
            .datetime({ offset: true })
            .optional()
            .describe('events before this instant'),
          ...pageQuery,
        }),
        response: { 200: pageOf(eventOut), ...problemReplies },
      },
    },
    async (request) => {
      const q = request.query
      const page = await read(request, (ctx) =>
        listEvents(ctx, {
          type: q.type,
          entityType: q.entity_type,
          entityId: q.entity_id,
          occurredAfter: q.occurred_after ? new Date(q.occurred_after) : undefined,
          occurredBefore: q.occurred_before ? new Date(q.occurred_before) : undefined,
          cursor: q.cursor,
          limit: q.limit,
        }),
      )
      return { data: page.data.map(eventBody), next_cursor: page.nextCursor }
    },
  )

  r.get(
    '/events/:id',
    {
      config: { permission: 'audit.read' },
      schema: {
        summary: 'One domain event, as webhooks receive it',
        tags: ['events'],
        params: idParam,
        response: { 200: eventOut, ...problemReplies },
      },
    },
    async (request) => eventBody(await read(request, (ctx) => findEvent(ctx, request.params.id))),
  )
}
