import { sql } from 'kysely'
import { toJsonValue } from '../../core/canonical-json.js'
import { newId } from '../../core/ids.js'
import { decodeCursor, type Page, pageSizeDefault } from '../../core/pagination.js'
import type { Ctx } from '../../db/context.js'
import { type ChainProblem, ChainVerifier, eventHash, genesisHash } from './chain.js'

export type AuditEntry = {
  entityType: string
  entityId: string
  action: string
  before?: unknown
  after?: unknown
}

export type AuditEvent = {
  seq: bigint
  id: string
  occurredAt: Date
  actorType: string
  actorId: string | null
  actorName: string
  entityType: string
  entityId: string
  action: string
  before: unknown
  after: unknown
  requestId: string | null
}

/** Starts a tenant's chain; called once, in the transaction that creates the tenant. */
export async function startAuditChain(ctx: Ctx): Promise<void> {
  await ctx.db
    .insertInto('auditChain')
    .values({ tenantId: ctx.tenantId, lastSeq: 0n, lastHash: genesisHash })
    .execute()
}

/**
 * Appends an audit event in the caller's transaction. Locking the tenant's chain head gives
 * the event the next sequence number; the lock is held until commit, so the chain follows
 * commit order and a rolled-back change leaves no event behind.
 */
export async function recordAudit(ctx: Ctx, entry: AuditEntry): Promise<void> {
  const head = await ctx.db
    .updateTable('auditChain')
    .set((eb) => ({ lastSeq: eb('lastSeq', '+', 1n) }))
    .where('tenantId', '=', ctx.tenantId)
    .returning(['lastSeq', 'lastHash'])
    .executeTakeFirstOrThrow()
  const event = {
    seq: head.lastSeq,
    id: newId(),
    occurredAt: ctx.now,
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    actorName: ctx.actor.name,
    entityType: entry.entityType,
    entityId: entry.entityId,
    action: entry.action,
    before: toJsonValue(entry.before ?? null),
    after: toJsonValue(entry.after ?? null),
    requestId: ctx.requestId ?? null,
  }
  const hash = eventHash(head.lastHash, event)
  await ctx.db
    .with('appended', (db) =>
      db
        .insertInto('auditEvent')
        .values({
          ...event,
          tenantId: ctx.tenantId,
          before: JSON.stringify(event.before),
          after: JSON.stringify(event.after),
          prevHash: head.lastHash,
          hash,
        })
        .returning('seq'),
    )
    .updateTable('auditChain')
    .set({ lastHash: hash })
    .where('tenantId', '=', ctx.tenantId)
    .execute()
}

/**
 * Appends many audit events in the caller's transaction, as recordAudit would one by one:
 * the same sequence numbers, the same hashes, the same chain. It costs two statements
 * whatever the number of events: one takes a run of sequence numbers from the chain head
 * (and holds its lock until commit), one inserts every event and moves the head's hash.
 * Bulk work (a customer import) uses it; the caller bounds the batch size.
 */
export async function recordAuditBatch(ctx: Ctx, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return
  const count = BigInt(entries.length)
  const head = await ctx.db
    .updateTable('auditChain')
    .set((eb) => ({ lastSeq: eb('lastSeq', '+', count) }))
    .where('tenantId', '=', ctx.tenantId)
    .returning(['lastSeq', 'lastHash'])
    .executeTakeFirstOrThrow()
  const columns = {
    seq: [] as string[],
    id: [] as string[],
    entityType: [] as string[],
    entityId: [] as string[],
    action: [] as string[],
    before: [] as string[],
    after: [] as string[],
    prevHash: [] as string[],
    hash: [] as string[],
  }
  let prevHash = head.lastHash
  let seq = head.lastSeq - count
  for (const entry of entries) {
    seq += 1n
    const event = {
      seq,
      id: newId(),
      occurredAt: ctx.now,
      actorType: ctx.actor.type,
      actorId: ctx.actor.id,
      actorName: ctx.actor.name,
      entityType: entry.entityType,
      entityId: entry.entityId,
      action: entry.action,
      before: toJsonValue(entry.before ?? null),
      after: toJsonValue(entry.after ?? null),
      requestId: ctx.requestId ?? null,
    }
    const hash = eventHash(prevHash, event)
    columns.seq.push(seq.toString())
    columns.id.push(event.id)
    columns.entityType.push(event.entityType)
    columns.entityId.push(event.entityId)
    columns.action.push(event.action)
    columns.before.push(JSON.stringify(event.before))
    columns.after.push(JSON.stringify(event.after))
    columns.prevHash.push(prevHash)
    columns.hash.push(hash)
    prevHash = hash
  }
  // Arrays bound as one parameter per column (unnest), so the statement's size and its
  // planning cost do not grow with the number of events.
  await sql`
    with appended as (
      insert into audit_event (tenant_id, seq, id, occurred_at, actor_type, actor_id, actor_name,
        entity_type, entity_id, action, before, after, request_id, prev_hash, hash)
      select ${ctx.tenantId}::uuid, e.seq, e.id, ${ctx.now}::timestamptz, ${ctx.actor.type},
        ${ctx.actor.id}::text, ${ctx.actor.name}, e.entity_type, e.entity_id, e.action,
        e.before::jsonb, e.after::jsonb, ${ctx.requestId ?? null}::text, e.prev_hash, e.hash
      from unnest(${columns.seq}::bigint[], ${columns.id}::uuid[], ${columns.entityType}::text[],
        ${columns.entityId}::text[], ${columns.action}::text[], ${columns.before}::text[],
        ${columns.after}::text[], ${columns.prevHash}::text[], ${columns.hash}::text[])
        as e(seq, id, entity_type, entity_id, action, before, after, prev_hash, hash)
      returning seq
    )
    update audit_chain set last_hash = ${prevHash}
    where tenant_id = ${ctx.tenantId}`.execute(ctx.db)
}

export type AuditFilter = {
  entityId?: string
  entityType?: string
  action?: string
  cursor?: string
  limit?: number
}

/** An entity's history (or the tenant's whole trail), oldest first. */
export async function auditTrail(ctx: Ctx, filter: AuditFilter): Promise<Page<AuditEvent>> {
  const limit = filter.limit ?? pageSizeDefault
  const after = decodeCursor(filter.cursor)
  let query = ctx.db
    .selectFrom('auditEvent')
    .select([
      'seq',
      'id',
      'occurredAt',
      'actorType',
      'actorId',
      'actorName',
      'entityType',
      'entityId',
      'action',
      'before',
      'after',
      'requestId',
    ])
    .orderBy('seq')
    .limit(limit + 1)
  if (filter.entityId) query = query.where('entityId', '=', filter.entityId)
  if (filter.entityType) query = query.where('entityType', '=', filter.entityType)
  if (filter.action) query = query.where('action', '=', filter.action)
  if (after) query = query.where('seq', '>', BigInt(after))
  const rows = await query.execute()
  const more = rows.length > limit
  const data = more ? rows.slice(0, limit) : rows
  const last = data[data.length - 1]
  return {
    data,
    nextCursor:
      more && last
        ? Buffer.from(JSON.stringify({ id: last.seq.toString() })).toString('base64url')
        : null,
  }
}

export type AuditVerification = { eventsChecked: number; problems: ChainProblem[] }

// Events are read in batches so a trail of millions of events verifies in flat memory.
const verifyBatchSize = 5_000

/** Recomputes the tenant's hash chain and names every event that was edited, inserted or deleted. */
export async function verifyAuditTrail(ctx: Ctx): Promise<AuditVerification> {
  const verifier = new ChainVerifier()
  let afterSeq = 0n
  for (;;) {
    const batch = await ctx.db
      .selectFrom('auditEvent')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(verifyBatchSize)
      .execute()
    for (const event of batch) verifier.check(event)
    if (batch.length < verifyBatchSize) break
    afterSeq = batch[batch.length - 1].seq
  }
  const head = await ctx.db
    .selectFrom('auditChain')
    .select(['lastSeq', 'lastHash'])
    .executeTakeFirst()
  verifier.finish(head)
  return { eventsChecked: verifier.checked, problems: verifier.problems }
}
