import type { CalendarDate } from '../../../core/dates.js'
import type { Ctx } from '../../../db/context.js'
import type { PromiseAndPlanReview } from '../contracts.js'

// OWNED BY promises/ — a placeholder with the contract's signature until promises land.

/**
 * Closes kept promises and completed plans (their items are paid), breaks promises past their
 * date plus grace and breaches plans with an instalment late beyond grace, as of asOf. The
 * dunning run calls it first; cash application calls it after applying payments.
 */
export async function reviewPromisesAndPlans(
  _ctx: Ctx,
  _asOf: CalendarDate,
): Promise<PromiseAndPlanReview> {
  return { promisesKept: 0, promisesBroken: 0, plansCompleted: 0, plansBreached: 0 }
}
