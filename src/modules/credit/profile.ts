import type { Selectable } from 'kysely'
import { notFound } from '../../core/errors.js'
import type { Ctx } from '../../db/context.js'
import { getCustomer } from '../customers/index.js'
import type { CreditStatus, CreditTables, RiskClass } from './tables.js'

// A customer's credit profile. A customer without a profile row has no limit set, class and
// review date unknown, status ok; such a profile is shown with version 0, and the first
// change (If-Match: "0") makes the row.

export type CreditProfile = {
  customerId: string
  currency: string
  creditLimitMinor: bigint | null
  groupCreditLimitMinor: bigint | null
  riskClass: RiskClass | null
  creditStatus: CreditStatus
  nextReviewDate: string | null
  lastReviewDate: string | null
  requiresPrepayment: boolean
  updatedAt: Date | null
  version: number
}

export function profileFromRow(row: Selectable<CreditTables['creditProfile']>): CreditProfile {
  return {
    customerId: row.customerId,
    currency: row.currency,
    creditLimitMinor: row.creditLimitMinor,
    groupCreditLimitMinor: row.groupCreditLimitMinor,
    riskClass: row.riskClass,
    creditStatus: row.creditStatus,
    nextReviewDate: row.nextReviewDate,
    lastReviewDate: row.lastReviewDate,
    requiresPrepayment: row.requiresPrepayment,
    updatedAt: row.updatedAt,
    version: row.version,
  }
}

/** The stored profile row, or undefined; `forUpdate` locks it for the rest of the transaction. */
export async function findCreditProfile(
  ctx: Ctx,
  customerId: string,
  options: { forUpdate?: boolean } = {},
): Promise<CreditProfile | undefined> {
  let query = ctx.db.selectFrom('creditProfile').selectAll().where('customerId', '=', customerId)
  if (options.forUpdate) query = query.forUpdate()
  const row = await query.executeTakeFirst()
  return row ? profileFromRow(row) : undefined
}

/**
 * A customer's credit profile; a customer without one gets the "no limit set" profile in
 * the customer's currency (version 0). Another tenant's customer is not found.
 *
 *   const profile = await getCreditProfile(ctx, customerId)
 *   if (profile.requiresPrepayment) …
 */
export async function getCreditProfile(ctx: Ctx, customerId: string): Promise<CreditProfile> {
  const stored = await findCreditProfile(ctx, customerId)
  if (stored) return stored
  const customer = await getCustomer(ctx, customerId).catch(() => undefined)
  if (!customer) throw notFound('customer', customerId)
  return emptyProfile(customerId, customer.currency)
}

export function emptyProfile(customerId: string, currency: string): CreditProfile {
  return {
    customerId,
    currency,
    creditLimitMinor: null,
    groupCreditLimitMinor: null,
    riskClass: null,
    creditStatus: 'ok',
    nextReviewDate: null,
    lastReviewDate: null,
    requiresPrepayment: false,
    updatedAt: null,
    version: 0,
  }
}

/**
 * Locks the customer's profile row, making it first if the customer has none, so that a
 * change can be compared with what is there and written with the next version.
 */
export async function profileForUpdate(ctx: Ctx, customerId: string): Promise<CreditProfile> {
  const stored = await findCreditProfile(ctx, customerId, { forUpdate: true })
  if (stored) return stored
  const customer = await getCustomer(ctx, customerId)
  await ctx.db
    .insertInto('creditProfile')
    .values({
      tenantId: ctx.tenantId,
      customerId,
      currency: customer.currency,
      creditLimitMinor: null,
      groupCreditLimitMinor: null,
      riskClass: null,
      nextReviewDate: null,
      lastReviewDate: null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      version: 0,
    })
    .onConflict((oc) => oc.columns(['tenantId', 'customerId']).doNothing())
    .execute()
  const made = await findCreditProfile(ctx, customerId, { forUpdate: true })
  if (!made) throw notFound('customer', customerId)
  return made
}
