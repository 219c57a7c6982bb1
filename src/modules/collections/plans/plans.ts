import type { CalendarDate } from '../../../core/dates.js'
import type { Ctx } from '../../../db/context.js'
import type { CollectionSource } from '../tables.js'

// OWNED BY plans/ — a placeholder with the contract's signature until payment plans land.

export type InstalmentInput = { dueOn: CalendarDate; amountMinor: bigint }

export type PlanInput = {
  customerId: string
  invoiceIds: readonly string[]
  instalments: readonly InstalmentInput[]
  source: CollectionSource
  graceDays?: number
  note?: string
}

/** Creates a payment plan: instalments must add up to the open amount of its items. */
export async function createPaymentPlan(_ctx: Ctx, _input: PlanInput): Promise<{ id: string }> {
  throw new Error('Payment plans are not built yet')
}

/**
 * The plans the tenant's policy (collection_settings) lets a customer choose for these items
 * as of asOf: for each instalment count allowed, the schedule. Empty when none is allowed.
 */
export async function planOffers(
  _ctx: Ctx,
  _customerId: string,
  _invoiceIds: readonly string[],
  _asOf: CalendarDate,
): Promise<{ instalments: InstalmentInput[] }[]> {
  return []
}
