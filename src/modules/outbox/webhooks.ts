import { domainError, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import './errors.js'
import { idCursor, webhookJobKind } from './events.js'
import { newWebhookSecret } from './signature.js'
import type { DeliveryStatus } from './tables.js'

// Webhook endpoints a tenant registers, and the deliveries of events to them. The signing
// secret is shown once (when the endpoint is made and when it is rotated) and never read back
// by the API; the audit trail records that it changed, never what it is.

export type WebhookEndpoint = {
  id: string
  url: string
  description: string
  eventTypes: string[]
  active: boolean
  createdAt: Date
  version: number
}

const endpointColumns = [
  'id',
  'url',
  'description',
  'eventTypes',
  'active',
  'createdAt',
  'version',
] as const

// After a rotation the previous secret keeps signing beside the new one for a day: long
// enough for a receiver's owner to deploy the new secret, short enough that a leaked secret
// (the usual reason to rotate) stops working soon.
export const previousSecretGraceHours = 24

// Bounds on what a client may store with an endpoint.
const urlLengthMax = 2_000
const eventTypesMax = 100
const descriptionLengthMax = 500
// "customer.created", "order.credit_hold", "shipment.delivered"; "*" subscribes to every type.
const eventTypePattern = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/

export type WebhookInput = { url: string; eventTypes: string[]; description?: string }
export type WebhookChanges = Partial<WebhookInput & { active: boolean }>

/** Registers an endpoint; the reply carries its signing secret, which is never shown again. */
export async function createWebhook(
  ctx: Ctx,
  input: WebhookInput,
): Promise<{ webhook: WebhookEndpoint; secret: string }> {
  const url = checkUrl(input.url)
  const eventTypes = checkEventTypes(input.eventTypes)
  const description = checkDescription(input.description ?? '')
  const secret = newWebhookSecret()
  const webhook = await ctx.db
    .insertInto('webhookEndpoint')
    .values({
      tenantId: ctx.tenantId,
      id: newId(),
      url,
      description,
      eventTypes,
      secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
    })
    .returning(endpointColumns)
    .executeTakeFirstOrThrow()
  await recordAudit(ctx, {
    entityType: 'webhook_endpoint',
    entityId: webhook.id,
    action: 'created',
    after: webhook,
  })
  return { webhook, secret }
}

export async function listWebhooks(
  ctx: Ctx,
  page: { cursor?: string; limit?: number } = {},
): Promise<Page<WebhookEndpoint>> {
  const limit = page.limit ?? pageSizeDefault
  const after = idCursor(page.cursor)
  let query = ctx.db
    .selectFrom('webhookEndpoint')
    .select(endpointColumns)
    .orderBy('id')
    .limit(limit + 1)
  if (after) query = query.where('id', '>', after)
  return toPage(await query.execute(), limit)
}

export async function findWebhook(ctx: Ctx, webhookId: string): Promise<WebhookEndpoint> {
  if (!isUuid(webhookId)) throw notFound('webhook_endpoint', webhookId)
  const webhook = await ctx.db
    .selectFrom('webhookEndpoint')
    .select(endpointColumns)
    .where('id', '=', webhookId)
    .executeTakeFirst()
  if (!webhook) throw notFound('webhook_endpoint', webhookId)
  return webhook
}

/** Changes an endpoint the caller last read at `expectedVersion` (If-Match). */
export async function updateWebhook(
  ctx: Ctx,
  webhookId: string,
  expectedVersion: number,
  changes: WebhookChanges,
): Promise<WebhookEndpoint> {
  const before = await lockWebhook(ctx, webhookId)
  if (before.version !== expectedVersion) throw staleWebhook(before, expectedVersion)
  const after = await ctx.db
    .updateTable('webhookEndpoint')
    .set({
      ...(changes.url !== undefined && { url: checkUrl(changes.url) }),
      ...(changes.eventTypes !== undefined && { eventTypes: checkEventTypes(changes.eventTypes) }),
      ...(changes.description !== undefined && {
        description: checkDescription(changes.description),
      }),
      ...(changes.active !== undefined && { active: changes.active }),
      version: before.version + 1,
    })
    .where('id', '=', webhookId)
    .where('version', '=', expectedVersion)
    .returning(endpointColumns)
    .executeTakeFirstOrThrow()
  await recordAudit(ctx, {
    entityType: 'webhook_endpoint',
    entityId: webhookId,
    action: 'updated',
    before: withoutSecrets(before),
    after,
  })
  return after
}

/**
 * Gives the endpoint a new signing secret, shown in this reply only. The secret it replaces
 * keeps signing beside the new one for previousSecretGraceHours, so the receiver does not
 * refuse deliveries while its owner puts the new secret in place.
 */
export async function rotateWebhookSecret(
  ctx: Ctx,
  webhookId: string,
): Promise<{ webhook: WebhookEndpoint; secret: string; previousSecretExpiresAt: Date }> {
  const before = await lockWebhook(ctx, webhookId)
  const secret = newWebhookSecret()
  const previousSecretExpiresAt = new Date(ctx.now.getTime() + previousSecretGraceHours * 3_600_000)
  const webhook = await ctx.db
    .updateTable('webhookEndpoint')
    .set({
      secret,
      previousSecret: before.secret,
      previousSecretExpiresAt,
      version: before.version + 1,
    })
    .where('id', '=', webhookId)
    .returning(endpointColumns)
    .executeTakeFirstOrThrow()
  await recordAudit(ctx, {
    entityType: 'webhook_endpoint',
    entityId: webhookId,
    action: 'secret_rotated',
    before: { version: before.version },
    after: { version: webhook.version, previousSecretExpiresAt },
  })
  return { webhook, secret, previousSecretExpiresAt }
}

export type WebhookDelivery = {
  id: string
  webhookId: string
  eventId: string
  eventType: string
  status: DeliveryStatus
  attempts: number
  createdAt: Date
  deliveredAt: Date | null
  /** When the worker tries again, while the delivery waits for a retry. */
  nextAttemptAt: Date | null
}

export type WebhookAttempt = {
  id: string
  attemptedAt: Date
  statusCode: number | null
  error: string | null
  durationMs: number
}

export type DeliveryFilter = { status?: DeliveryStatus; cursor?: string; limit?: number }

/** An endpoint's deliveries, oldest first. */
export async function listDeliveries(
  ctx: Ctx,
  webhookId: string,
  filter: DeliveryFilter = {},
): Promise<Page<WebhookDelivery>> {
  await findWebhook(ctx, webhookId)
  const limit = filter.limit ?? pageSizeDefault
  const after = idCursor(filter.cursor)
  let query = deliveries(ctx)
    .where('d.webhookId', '=', webhookId)
    .orderBy('d.id')
    .limit(limit + 1)
  if (filter.status) query = query.where('d.status', '=', filter.status)
  if (after) query = query.where('d.id', '>', after)
  return toPage((await query.execute()).map(toDelivery), limit)
}

// A delivery's history shows its latest attempts; a delivery redelivered many times would
// otherwise grow its page without end.
export const attemptsShownMax = 100

/** One delivery with its latest attempts, oldest first. */
export async function findDelivery(
  ctx: Ctx,
  deliveryId: string,
): Promise<WebhookDelivery & { attemptLog: WebhookAttempt[] }> {
  if (!isUuid(deliveryId)) throw notFound('webhook_delivery', deliveryId)
  const row = await deliveries(ctx).where('d.id', '=', deliveryId).executeTakeFirst()
  if (!row) throw notFound('webhook_delivery', deliveryId)
  const attempts = await ctx.db
    .selectFrom('webhookAttempt')
    .select(['id', 'attemptedAt', 'statusCode', 'error', 'durationMs'])
    .where('deliveryId', '=', deliveryId)
    .orderBy('id', 'desc')
    .limit(attemptsShownMax)
    .execute()
  return { ...toDelivery(row), attemptLog: attempts.reverse() }
}

/**
 * Sends a delivery again, now, with a fresh job (and a fresh round of retries). A job of it
 * still waiting for a retry is cancelled, so the delivery has one live job; one that is being
 * sent right now is left to finish (409), so the receiver does not get two at once.
 */
export async function redeliverWebhook(ctx: Ctx, deliveryId: string): Promise<WebhookDelivery> {
  if (!isUuid(deliveryId)) throw notFound('webhook_delivery', deliveryId)
  const delivery = await ctx.db
    .selectFrom('webhookDelivery')
    .select(['id', 'webhookId', 'eventId', 'jobId', 'status'])
    .where('id', '=', deliveryId)
    .forUpdate()
    .executeTakeFirst()
  if (!delivery) throw notFound('webhook_delivery', deliveryId)
  const webhook = await findWebhook(ctx, delivery.webhookId)
  if (!webhook.active) {
    throw domainError(
      'outbox.webhook_inactive',
      `Webhook ${webhook.id} (${webhook.url}) is not active; PATCH it with "active": true first`,
      { webhookId: webhook.id },
    )
  }
  const job = await ctx.db
    .selectFrom('job')
    .select(['id', 'status'])
    .where('id', '=', delivery.jobId)
    .forUpdate()
    .executeTakeFirst()
  if (job?.status === 'running') {
    throw domainError(
      'outbox.delivery_in_progress',
      `Delivery ${deliveryId} is being sent right now; see its attempts when it is done`,
      { deliveryId },
    )
  }
  if (job?.status === 'queued') {
    await ctx.db
      .updateTable('job')
      .set({ status: 'cancelled', finishedAt: ctx.now, lastError: 'replaced by a redelivery' })
      .where('id', '=', job.id)
      .execute()
  }
  const jobId = newId()
  await ctx.db
    .insertInto('job')
    .values({
      tenantId: ctx.tenantId,
      id: jobId,
      kind: webhookJobKind,
      payload: JSON.stringify({ deliveryId }),
      eventId: delivery.eventId,
      runAt: ctx.now,
    })
    .execute()
  await ctx.db
    .updateTable('webhookDelivery')
    .set({ jobId, status: 'pending' })
    .where('id', '=', deliveryId)
    .execute()
  await recordAudit(ctx, {
    entityType: 'webhook_delivery',
    entityId: deliveryId,
    action: 'redelivery_requested',
    before: { status: delivery.status, jobId: delivery.jobId },
    after: { status: 'pending', jobId },
  })
  const row = await deliveries(ctx).where('d.id', '=', deliveryId).executeTakeFirstOrThrow()
  return toDelivery(row)
}

function deliveries(ctx: Ctx) {
  return ctx.db
    .selectFrom('webhookDelivery as d')
    .innerJoin('outboxEvent as e', (join) =>
      join.onRef('e.tenantId', '=', 'd.tenantId').onRef('e.id', '=', 'd.eventId'),
    )
    .leftJoin('job as j', (join) =>
      join.onRef('j.tenantId', '=', 'd.tenantId').onRef('j.id', '=', 'd.jobId'),
    )
    .select([
      'd.id',
      'd.webhookId',
      'd.eventId',
      'e.type as eventType',
      'd.status',
      'd.attempts',
      'd.createdAt',
      'd.deliveredAt',
      'j.status as jobStatus',
      'j.runAt as jobRunAt',
    ])
}

type DeliveryRow = Omit<WebhookDelivery, 'nextAttemptAt'> & {
  jobStatus: string | null
  jobRunAt: Date | null
}

function toDelivery({ jobStatus, jobRunAt, ...delivery }: DeliveryRow): WebhookDelivery {
  const waiting = delivery.status === 'pending' && jobStatus === 'queued'
  return { ...delivery, nextAttemptAt: waiting ? jobRunAt : null }
}

async function lockWebhook(ctx: Ctx, webhookId: string) {
  if (!isUuid(webhookId)) throw notFound('webhook_endpoint', webhookId)
  const webhook = await ctx.db
    .selectFrom('webhookEndpoint')
    .select([...endpointColumns, 'secret'])
    .where('id', '=', webhookId)
    .forUpdate()
    .executeTakeFirst()
  if (!webhook) throw notFound('webhook_endpoint', webhookId)
  return webhook
}

function withoutSecrets<T extends { secret: string }>(webhook: T): Omit<T, 'secret'> {
  const { secret: _secret, ...rest } = webhook
  return rest
}

function staleWebhook(current: { id: string; version: number }, expectedVersion: number) {
  return domainError(
    'request.stale_etag',
    `Webhook ${current.id} is at version ${current.version}, not ${expectedVersion}: read it again`,
    { field: 'If-Match', currentVersion: current.version },
  )
}

function checkUrl(text: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw domainError('outbox.webhook_url_invalid', `"${text}" is not an http(s) URL`, {
      field: 'url',
    })
  }
  if (text.length > urlLengthMax) {
    throw domainError(
      'outbox.webhook_url_invalid',
      `The URL is longer than ${urlLengthMax} characters`,
      { field: 'url' },
    )
  }
  if (url.username || url.password) {
    throw domainError(
      'outbox.webhook_url_invalid',
      'Put no user name or password in the URL: deliveries are signed instead',
      { field: 'url' },
    )
  }
  return url.toString()
}

function checkEventTypes(eventTypes: string[]): string[] {
  if (eventTypes.length === 0 || eventTypes.length > eventTypesMax) {
    throw domainError(
      'outbox.event_type_invalid',
      `Name 1 to ${eventTypesMax} event types, or "*" for all`,
      { field: 'event_types' },
    )
  }
  eventTypes.forEach((type, index) => {
    if (type !== '*' && !eventTypePattern.test(type)) {
      throw domainError(
        'outbox.event_type_invalid',
        `"${type}" is not an event type such as "order.confirmed"`,
        { field: `event_types[${index}]` },
      )
    }
  })
  return [...new Set(eventTypes)]
}

function checkDescription(description: string): string {
  if (description.length > descriptionLengthMax) {
    throw domainError(
      'request.invalid',
      `The description is longer than ${descriptionLengthMax} characters`,
      { field: 'description' },
    )
  }
  return description
}
