import type { Ctx } from '../../db/context.js'
import type { RemittanceAdvice } from './matching/model.js'
import type { ApplyChoice, ApplyOptions, CashApplication, CashApplicationCounts } from './model.js'

// CONTRACT (signatures committed first so the worklist can start; bodies follow).

export type MatchRunOptions = {
  /** Parsed remittance advices for the book (default none). */
  advices?: readonly RemittanceAdvice[]
}

/** Matches the transactions of these bank entries and applies what is certain. */
export async function matchAndApplyEntries(
  _ctx: Ctx,
  _entryIds: readonly string[],
  _options: MatchRunOptions = {},
): Promise<CashApplicationCounts> {
  throw new Error('not built yet')
}

/** A person applies (accepts) a candidate, or their own allocations, to a bank transaction. */
export async function applyCandidate(
  _ctx: Ctx,
  _entryId: string,
  _choice: ApplyChoice,
  _options: ApplyOptions = {},
): Promise<CashApplication> {
  throw new Error('not built yet')
}

/** Undoes what is applied of a bank entry (all its transactions unless one is named). */
export async function unapplyEntry(
  _ctx: Ctx,
  _entryId: string,
  _reason: string,
  _options: ApplyOptions = {},
): Promise<{ unapplied: number }> {
  throw new Error('not built yet')
}

/** Matches again, with the current book, the transactions of these entries not applied. */
export async function rematchEntries(
  _ctx: Ctx,
  _entryIds?: readonly string[],
  _options: MatchRunOptions = {},
): Promise<CashApplicationCounts> {
  throw new Error('not built yet')
}
