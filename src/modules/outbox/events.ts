import { sql } from 'kysely'
import { toJsonValue } from '../../core/canonical-json.js'
import { invalid, notFound } from '../../core/errors.js'
import { isUuid, newId } from '../../core/ids.js'
import { decodeCursor, type Page, pageSizeDefault, toPage } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'

// Domain events are written to the outbox in the transaction of the change they announce,
// so nothing is announced that did not commit. In the same statement-set, each event fans
// out into jobs: one per registered consumer of its type (a later stage's mail or SMS
// sender), and one webhook delivery per active endpoint that subscribed to it.

export type DomainEvent = {
  type: string
  entityType: string
  entityId: string
  payload: Record<string, unknown>
}

const consumers = new Map<string, string[]>()

/** A module asks for a job of `jobKind` to run after every committed event of `eventType`. */
export function consumeEvent(eventType: string, jobKind: string): void {
  consumers.set(eventType, [...(consumers.get(eventType) ?? []), jobKind])
}

export const webhookJobKind = 'webhook.deliver'

export async function emitEvent(ctx: Ctx, event: DomainEvent): Promise<string> {
  const eventId = newId()
  const payload = JSON.stringify(toJsonValue(event.payload))
  const jobKinds = consumers.get(event.type) ?? []
  // One round trip: the event, a job per consumer, and a delivery plus its job for every
  // active endpoint that subscribed to this type (or to '*').
  await sql`
    with event as (
      insert into outbox_event (tenant_id, id, type, entity_type, entity_id, payload, occurred_at)
      values (${ctx.tenantId}, ${eventId}, ${event.type}, ${event.entityType},
        ${event.entityId}, ${payload}::jsonb, ${ctx.now})
    ), consumer_job as (
      insert into job (tenant_id, id, kind, payload, event_id, run_at)
      select ${ctx.tenantId}::uuid, o2c_uuid_v7(), kind,
        jsonb_build_object('eventId', ${eventId}::text), ${eventId}::uuid, ${ctx.now}::timestamptz
      from unnest(${jobKinds}::text[]) as kind
    ), endpoint as (
      select id as webhook_id, o2c_uuid_v7() as delivery_id, o2c_uuid_v7() as job_id
      from webhook_endpoint
      where active and (${event.type} = any(event_types) or '*' = any(event_types))
    ), delivery as (
      insert into webhook_delivery (tenant_id, id, webhook_id, event_id, job_id)
      select ${ctx.tenantId}::uuid, delivery_id, webhook_id, ${eventId}::uuid, job_id
      from endpoint
    )
    insert into job (tenant_id, id, kind, payload, event_id, run_at)
    select ${ctx.tenantId}::uuid, job_id, ${webhookJobKind},
      jsonb_build_object('deliveryId', delivery_id), ${eventId}::uuid, ${ctx.now}::timestamptz
    from endpoint`.execute(ctx.db)
  return eventId
}

/**
 * Writes many events as emitEvent would one by one — the same rows, the same jobs and
 * webhook deliveries — in one statement. Bulk work (a customer import) uses it; the caller
 * bounds the batch size. Returns the event ids in the order given.
 */
export async function emitEvents(ctx: Ctx, events: readonly DomainEvent[]): Promise<string[]> {
  if (events.length === 0) return []
  const rows = events.map((event) => ({
    id: newId(),
    type: event.type,
    entity_type: event.entityType,
    entity_id: event.entityId,
    payload: toJsonValue(event.payload),
    job_kinds: consumers.get(event.type) ?? [],
  }))
  // The events travel as one JSON document (PostgreSQL reads it far faster than arrays).
  await sql`
    with given as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as g(id uuid, type text,
        entity_type text, entity_id text, payload jsonb, job_kinds text[])
    ), event as (
      insert into outbox_event (tenant_id, id, type, entity_type, entity_id, payload, occurred_at)
      select ${ctx.tenantId}::uuid, id, type, entity_type, entity_id, payload,
        ${ctx.now}::timestamptz
      from given
    ), consumer_job as (
      insert into job (tenant_id, id, kind, payload, event_id, run_at)
      select ${ctx.tenantId}::uuid, o2c_uuid_v7(), kind,
        jsonb_build_object('eventId', given.id::text), given.id, ${ctx.now}::timestamptz
      from given cross join unnest(given.job_kinds) as kind
    ), endpoint as (
      select given.id as event_id, w.id as webhook_id, o2c_uuid_v7() as delivery_id,
        o2c_uuid_v7() as job_id
      from given join webhook_endpoint w
        on w.active and (given.type = any(w.event_types) or '*' = any(w.event_types))
    ), delivery as (
      insert into webhook_delivery (tenant_id, id, webhook_id, event_id, job_id)
      select ${ctx.tenantId}::uuid, delivery_id, webhook_id, event_id, job_id
      from endpoint
    )
    insert into job (tenant_id, id, kind, payload, event_id, run_at)
    select ${ctx.tenantId}::uuid, job_id, ${webhookJobKind},
      jsonb_build_object('deliveryId', delivery_id), event_id, ${ctx.now}::timestamptz
    from endpoint`.execute(ctx.db)
  return rows.map((row) => row.id)
}

export type OutboxEvent = {
  id: string
  type: string
  entityType: string
  entityId: string
  payload: unknown
  occurredAt: Date
}

/**
 * An event as the API shows it and as a webhook receives it, so the two never drift apart:
 * `{ id, type, occurred_at, entity_type, entity_id, data }`.
 */
export function eventBody(event: OutboxEvent) {
  return {
    id: event.id,
    type: event.type,
    occurred_at: event.occurredAt.toISOString(),
    entity_type: event.entityType,
    entity_id: event.entityId,
    data: event.payload,
  }
}

const eventColumns = ['id', 'type', 'entityType', 'entityId', 'payload', 'occurredAt'] as const

/** One event of the tenant's outbox; a consumer's job handler reads its event with this. */
export async function findEvent(ctx: Ctx, eventId: string): Promise<OutboxEvent> {
  if (!isUuid(eventId)) throw notFound('event', eventId)
  const event = await ctx.db
    .selectFrom('outboxEvent')
    .select(eventColumns)
    .where('id', '=', eventId)
    .executeTakeFirst()
  if (!event) throw notFound('event', eventId)
  return event
}

export type EventFilter = {
  type?: string
  entityType?: string
  entityId?: string
  occurredAfter?: Date
  occurredBefore?: Date
  cursor?: string
  limit?: number
}

/** The tenant's event log, oldest first. */
export async function listEvents(ctx: Ctx, filter: EventFilter): Promise<Page<OutboxEvent>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = idCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('outboxEvent')
    .select(eventColumns)
    .orderBy('id')
    .limit(limit + 1)
  if (filter.type) query = query.where('type', '=', filter.type)
  if (filter.entityType) query = query.where('entityType', '=', filter.entityType)
  if (filter.entityId) query = query.where('entityId', '=', filter.entityId)
  if (filter.occurredAfter) query = query.where('occurredAt', '>=', filter.occurredAfter)
  if (filter.occurredBefore) query = query.where('occurredAt', '<', filter.occurredBefore)
  if (after) query = query.where('id', '>', after)
  return toPage(await query.execute(), limit)
}

/** The id a cursor of an id-sorted list holds; a forged one is refused, never sent to SQL. */
export function idCursor(cursor: string | undefined): string | undefined {
  const id = decodeCursor(cursor)
  if (id !== undefined && !isUuid(id)) {
    throw invalid([{ field: 'cursor', message: 'is not a cursor this API handed out' }])
  }
  return id
}
