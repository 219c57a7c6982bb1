import { sql } from 'kysely'
import { toJsonValue } from '../../core/canonical-json.js'
import { invalid } from '../../core/errors.js'
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

const pendingAudit = new WeakMap<Ctx, AuditEntry[]>()

/**
 * Records an audit event in the caller's transaction. The events of one transaction are
 * appended together just before it commits (see Ctx.beforeCommit): the tenant's chain head
 * is locked only then, so the chain follows commit order, concurrent writers wait on it for
 * a moment only, and a rolled-back change leaves no event behind.
 */
export async function recordAudit(ctx: Ctx, entry: AuditEntry): Promise<void> {
  const pending = pendingAudit.get(ctx)
  if (pending) {
    pending.push(entry)
    return
  }
  const entries = [entry]
  pendingAudit.set(ctx, entries)
  ctx.beforeCommit(async () => {
    pendingAudit.delete(ctx)
    await recordAuditBatch(ctx, entries)
  })
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
  const events: Array<Record<string, unknown>> = []
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
    events.push({
      seq: seq.toString(),
      id: event.id,
      entity_type: event.entityType,
      entity_id: event.entityId,
      action: event.action,
      before: event.before,
      after: event.after,
      prev_hash: prevHash,
      hash,
    })
    prevHash = hash
  }
  // The events travel as one JSON document: PostgreSQL reads it far faster than arrays of
  // text, and the statement does not grow with the number of events. A JSON null is kept
  // as the jsonb null recordAudit writes, not as SQL NULL.
  await sql`
    with appended as (
      insert into audit_event (tenant_id, seq, id, occurred_at, actor_type, actor_id, actor_name,
        entity_type, entity_id, action, before, after, request_id, prev_hash, hash)
      select ${ctx.tenantId}::uuid, e.seq, e.id, ${ctx.now}::timestamptz, ${ctx.actor.type},
        ${ctx.actor.id}::text, ${ctx.actor.name}, e.entity_type, e.entity_id, e.action,
        coalesce(e.before, 'null'), coalesce(e.after, 'null'), ${ctx.requestId ?? null}::text,
        e.prev_hash, e.hash
      from jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as e(seq bigint, id uuid,
        entity_type text, entity_id text, action text, before jsonb, after jsonb,
        prev_hash text, hash text)
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
  if (after !== undefined) {
    // The audit trail pages by sequence number; a cursor of another list is not one of ours.
    if (!/^\d{1,19}$/.test(after)) {
      throw invalid([{ field: 'cursor', message: 'is not a cursor this API handed out' }])
    }
    query = query.where('seq', '>', BigInt(after))
  }
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

export type AuditVerification = {
  eventsChecked: number
  problems: ChainProblem[]
  /**
   * The chain head that was verified. A chain shows any change made behind the head; to also
   * catch someone who rewrites the whole tail and the head with it, keep this hash elsewhere
   * (a ticket, a mail to the auditor) and compare it later.
   */
  head: { seq: string; hash: string } | null
}

// Events are read in batches so a trail of millions of events verifies in flat memory.
const verifyBatchSize = 5_000
// Events beyond the head are listed up to this many; one is enough to call the trail broken.
const beyondHeadListedMax = 100

/** Recomputes the tenant's hash chain and names every event that was edited, inserted or deleted. */
export async function verifyAuditTrail(ctx: Ctx): Promise<AuditVerification> {
  // The head first: every event up to it has committed (event and head are written in one
  // transaction), so events appended while we verify are not mistaken for tampering.
  const head = await ctx.db
    .selectFrom('auditChain')
    .select(['lastSeq', 'lastHash'])
    .executeTakeFirst()
  const verifier = new ChainVerifier()
  let afterSeq = 0n
  for (;;) {
    let query = ctx.db
      .selectFrom('auditEvent')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(verifyBatchSize)
    if (head) query = query.where('seq', '<=', head.lastSeq)
    const batch = await query.execute()
    for (const event of batch) verifier.check(event)
    if (batch.length < verifyBatchSize) break
    afterSeq = batch[batch.length - 1].seq
  }
  verifier.finish(head)
  if (head) {
    // o2c never writes an event past the head; one statement reads both, so an event
    // appended by a concurrent change (head moved with it) is not listed.
    const beyond = await sql<{ seq: bigint; id: string }>`
      select e.seq, e.id from audit_event e
      join audit_chain c on c.tenant_id = e.tenant_id
      where e.seq > c.last_seq
      order by e.seq
      limit ${beyondHeadListedMax}`.execute(ctx.db)
    verifier.beyondHead(beyond.rows)
  }
  return {
    eventsChecked: verifier.checked,
    problems: verifier.problems,
    head: head ? { seq: head.lastSeq.toString(), hash: head.lastHash } : null,
  }
}
