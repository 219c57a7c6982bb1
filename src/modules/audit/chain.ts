import { createHash } from 'node:crypto'
import { canonicalJson } from '../../core/canonical-json.js'

// How one audit event is hashed. Each event's hash covers its own content and the hash of
// the event before it, so changing, inserting or removing an event breaks every hash after
// it. The genesis hash starts each tenant's chain.

export const genesisHash = '0'.repeat(64)

export type ChainedFields = {
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

export function eventHash(prevHash: string, event: ChainedFields): string {
  const content = canonicalJson({
    seq: event.seq.toString(),
    id: event.id,
    occurredAt: event.occurredAt.toISOString(),
    actorType: event.actorType,
    actorId: event.actorId,
    actorName: event.actorName,
    entityType: event.entityType,
    entityId: event.entityId,
    action: event.action,
    before: event.before ?? null,
    after: event.after ?? null,
    requestId: event.requestId,
  })
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex')
}

export type ChainProblem = {
  seq: string
  id: string | null
  problem: 'edited' | 'inserted' | 'deleted' | 'reordered'
  detail: string
}

/**
 * Walks one tenant's events in sequence order and names each place where the chain breaks.
 * Feed it the events in order (in batches if need be), then finish with the chain head.
 */
export class ChainVerifier {
  private expectedSeq = 1n
  private prevHash = genesisHash
  private previous: { seq: bigint; id: string } | undefined
  readonly problems: ChainProblem[] = []
  checked = 0

  check(event: ChainedFields & { prevHash: string; hash: string }): void {
    this.checked++
    if (event.seq !== this.expectedSeq) {
      const missing = event.seq > this.expectedSeq
      this.problems.push({
        seq: this.expectedSeq.toString(),
        id: null,
        problem: missing ? 'deleted' : 'reordered',
        detail: missing
          ? `events ${this.expectedSeq}..${event.seq - 1n} are missing before event ${event.seq} (${event.id})`
          : `event ${event.seq} (${event.id}) is out of sequence`,
      })
    } else if (event.prevHash !== this.prevHash) {
      // This event was chained to another predecessor than the one in the trail now: the
      // event before it was slipped in (or rewritten together with its hash).
      const culprit = this.previous ?? event
      this.problems.push({
        seq: culprit.seq.toString(),
        id: culprit.id,
        problem: 'inserted',
        detail: this.previous
          ? `event ${culprit.seq} (${culprit.id}) is not the event that event ${event.seq} ` +
            `(${event.id}) was chained to: it was inserted, or rewritten with a new hash`
          : `event ${event.seq} (${event.id}) does not start the chain: it was inserted, or ` +
            'rewritten with a new hash',
      })
    }
    const recomputed = eventHash(event.prevHash, event)
    if (recomputed !== event.hash) {
      this.problems.push({
        seq: event.seq.toString(),
        id: event.id,
        problem: 'edited',
        detail: `event ${event.seq} (${event.id}, ${event.entityType} ${event.entityId} ${event.action}) was changed after it was written`,
      })
    }
    this.expectedSeq = event.seq + 1n
    this.prevHash = event.hash
    this.previous = { seq: event.seq, id: event.id }
  }

  /** Events found past the chain head: o2c did not write them, someone added them. */
  beyondHead(events: Array<{ seq: bigint; id: string }>): void {
    for (const event of events) {
      this.problems.push({
        seq: event.seq.toString(),
        id: event.id,
        problem: 'inserted',
        detail: `event ${event.seq} (${event.id}) lies beyond the last event o2c wrote`,
      })
    }
  }

  finish(head: { lastSeq: bigint; lastHash: string } | undefined): void {
    if (!head) return
    if (head.lastSeq >= this.expectedSeq) {
      this.problems.push({
        seq: this.expectedSeq.toString(),
        id: null,
        problem: 'deleted',
        detail: `events ${this.expectedSeq}..${head.lastSeq} were written but are missing at the end of the trail`,
      })
    } else if (head.lastSeq === this.expectedSeq - 1n && head.lastHash !== this.prevHash) {
      const last = this.previous
      this.problems.push({
        seq: head.lastSeq.toString(),
        id: last?.id ?? null,
        problem: 'inserted',
        detail: `the last event ${head.lastSeq}${last ? ` (${last.id})` : ''} is not the one o2c wrote: it was replaced, or rewritten with a new hash`,
      })
    }
  }
}
