import type { CalendarDate } from '../../../core/dates.js'
import type { Ctx } from '../../../db/context.js'
import type { PromiseChannel } from '../tables.js'

// OWNED BY promises/ — a placeholder with the contract's signature until promises land.

export type PromiseInput = {
  customerId: string
  /** The open items the promise covers; the amount is spread over them oldest first. */
  invoiceIds: readonly string[]
  amountMinor: bigint
  promisedOn: CalendarDate
  channel: PromiseChannel
  note?: string
}

/** Records a promise to pay: validated (not in the past, not above what is open), audited. */
export async function makePromise(_ctx: Ctx, _input: PromiseInput): Promise<{ id: string }> {
  throw new Error('Promises to pay are not built yet')
}
