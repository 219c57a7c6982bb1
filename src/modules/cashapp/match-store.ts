import type { Ctx } from '../../db/context.js'
import type { BankTransactionView } from './model.js'
import type { BankTransactionStatus } from './tables.js'

// CONTRACT (signatures committed first so the worklist can start; bodies follow).

export type TransactionFilter = {
  status?: BankTransactionStatus | BankTransactionStatus[]
  statementId?: string
  /** Booked on or after this date. */
  since?: string
  cursor?: string
  limit?: number
}

/** The transactions of one bank entry with their candidates and live application. */
export async function getEntryTransactions(
  _ctx: Ctx,
  _entryId: string,
): Promise<BankTransactionView[]> {
  throw new Error('not built yet')
}

/** A page of bank transactions (the worklist's list), oldest first. */
export async function listBankTransactions(
  _ctx: Ctx,
  _filter: TransactionFilter = {},
): Promise<{ data: BankTransactionView[]; nextCursor: string | null }> {
  throw new Error('not built yet')
}
