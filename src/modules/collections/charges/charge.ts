import type { CalendarDate } from '../../../core/dates.js'
import type { Ctx } from '../../../db/context.js'
import type { ChargeSummary } from '../contracts.js'

// OWNED BY charges/ — a placeholder with the contract's signature until costs and interest land.

/**
 * Charges collection costs and interest for the items of these messages (whose step's action
 * is charge_costs_and_interest), as the law and the policy allow on runDate: books each charge
 * to the ledger and records it in collection_charge. Charges nothing twice.
 */
export async function chargeCostsAndInterest(
  _ctx: Ctx,
  _runDate: CalendarDate,
  _messageIds: readonly string[],
): Promise<ChargeSummary> {
  return { costsMinor: 0n, interestMinor: 0n, charges: 0, refused: [] }
}
