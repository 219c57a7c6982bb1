import type { Ctx } from '../../db/context.js'
import type { Candidate, MatchOutcome } from './matching/model.js'

// What people rejected. A candidate is known by who it says pays and what it settles: the
// customer and the set of invoices (allocations and write-offs). Its amounts and confidence
// may change when the book changes (a partial payment elsewhere, a new invoice), but a
// person who said "this is not Jansen's invoice 42" meant that pairing, so the same pairing
// is not offered again by a re-match. The same customer with other invoices is another
// candidate and may be offered (a new invoice that fits is what a re-match is for).

/** The candidate's identity: customer and the sorted ids of the invoices it settles. */
export function candidateKey(
  candidate: Pick<Candidate, 'customerId' | 'allocations' | 'writeOffs'>,
) {
  const invoiceKey = [
    ...new Set([
      ...candidate.allocations.filter((a) => a.amountMinor > 0n).map((a) => a.invoiceId),
      ...candidate.writeOffs.filter((w) => w.amountMinor > 0n).map((w) => w.invoiceId),
    ]),
  ]
    .sort()
    .join(',')
  return { customerId: candidate.customerId, invoiceKey }
}

function keyText(key: { customerId: string; invoiceKey: string }): string {
  return `${key.customerId}|${key.invoiceKey}`
}

export type Rejection = {
  customerId: string
  invoiceKey: string
  reason: string
  rejectedAt: Date
  rejectedBy: string
  /** The candidate as it was offered, in the stored JSON shape (minor units as strings). */
  candidate: Record<string, unknown>
}

/** The rejections of these transactions, oldest first. */
export async function rejectionsOf(
  ctx: Ctx,
  transactionIds: readonly string[],
): Promise<Map<string, Rejection[]>> {
  const byTransaction = new Map<string, Rejection[]>()
  if (transactionIds.length === 0) return byTransaction
  const rows = await ctx.db
    .selectFrom('bankTransactionRejection')
    .selectAll()
    .where('tenantId', '=', ctx.tenantId)
    .where('bankTransactionId', 'in', [...transactionIds])
    .orderBy('id')
    .execute()
  for (const r of rows) {
    const list = byTransaction.get(r.bankTransactionId) ?? []
    list.push({
      customerId: r.customerId,
      invoiceKey: r.invoiceKey,
      reason: r.reason,
      rejectedAt: r.rejectedAt,
      rejectedBy: r.rejectedBy,
      candidate: r.candidate as Record<string, unknown>,
    })
    byTransaction.set(r.bankTransactionId, list)
  }
  return byTransaction
}

/** The rejection that turned this candidate down, if one did. */
export function rejectionOf(
  candidate: Pick<Candidate, 'customerId' | 'allocations' | 'writeOffs'>,
  rejections: readonly Rejection[] | undefined,
): Rejection | undefined {
  if (!rejections || rejections.length === 0) return undefined
  const key = keyText(candidateKey(candidate))
  return rejections.find((r) => keyText(r) === key)
}

/**
 * The matching's outcome without what people rejected: the rejected candidates are not
 * offered again, and a rejected winner is never applied automatically. What is left is
 * suggested (the next best may not decide alone: the engine ranked it behind another) or,
 * with nothing left, unmatched.
 */
export function withoutRejected(
  outcome: MatchOutcome,
  rejections: readonly Rejection[] | undefined,
): MatchOutcome {
  if (!rejections || rejections.length === 0) return outcome
  const candidates = outcome.candidates.filter((c) => !rejectionOf(c, rejections))
  const dropped = outcome.candidates.length - candidates.length
  if (dropped === 0) return outcome
  const winnerRejected = outcome.status === 'auto' && candidates[0] !== outcome.candidates[0]
  const status =
    candidates.length === 0 || outcome.status === 'unmatched'
      ? 'unmatched'
      : outcome.status === 'auto' && !winnerRejected
        ? 'auto'
        : 'suggested'
  return {
    status,
    candidates,
    notes: [
      ...outcome.notes,
      `${dropped} candidate${dropped === 1 ? '' : 's'} left out: rejected by a person before`,
    ],
  }
}
