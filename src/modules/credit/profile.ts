import type { Selectable } from 'kysely'
import { domainError, notFound } from '../../core/errors.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import { getCustomer } from '../customers/index.js'
import { emitEvent } from '../outbox/index.js'
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
  const customer = await getCustomer(ctx, customerId)
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

export type CreditProfilePatch = {
  creditStatus?: CreditStatus
  riskClass?: RiskClass | null
  nextReviewDate?: string | null
  requiresPrepayment?: boolean
}

/**
 * Changes a profile's status, risk class, review date or prepayment flag. Limits are not
 * changed here: they go through limit decisions (four eyes). `expectedVersion` is the
 * version the analyst last read (If-Match; 0 for a customer without a profile yet).
 */
export async function updateCreditProfile(
  ctx: Ctx,
  customerId: string,
  expectedVersion: number,
  patch: CreditProfilePatch,
): Promise<CreditProfile> {
  const before = await profileForUpdate(ctx, customerId)
  if (before.version !== expectedVersion) throw staleProfile(before)
  const after = await writeProfile(ctx, before, patch)
  await recordAudit(ctx, {
    entityType: 'credit_profile',
    entityId: customerId,
    action: 'updated',
    before,
    after,
  })
  await announceStatusChange(ctx, before, after, 'profile updated')
  return after
}

export function staleProfile(current: CreditProfile) {
  return domainError(
    'request.stale_etag',
    `The credit profile was changed by someone else (now version ${current.version}); reload it and apply your change again`,
    { entity: 'credit_profile', id: current.customerId, currentVersion: current.version },
  )
}

/** Writes changed columns of a locked profile with the next version; returns the new profile. */
export async function writeProfile(
  ctx: Ctx,
  before: CreditProfile,
  patch: CreditProfilePatch & {
    creditLimitMinor?: bigint
    groupCreditLimitMinor?: bigint
    lastReviewDate?: string
  },
): Promise<CreditProfile> {
  await ctx.db
    .updateTable('creditProfile')
    .set({ ...patch, updatedAt: ctx.now, version: before.version + 1 })
    .where('customerId', '=', before.customerId)
    .where('version', '=', before.version)
    .execute()
  const after = await findCreditProfile(ctx, before.customerId)
  if (!after) throw notFound('customer', before.customerId)
  return after
}

/** Tells the outbox when a customer's credit status changed (orders, collections listen). */
export async function announceStatusChange(
  ctx: Ctx,
  before: CreditProfile,
  after: CreditProfile,
  cause: string,
): Promise<void> {
  if (before.creditStatus === after.creditStatus) return
  await emitEvent(ctx, {
    type: 'credit.status_changed',
    entityType: 'customer',
    entityId: after.customerId,
    payload: {
      customer_id: after.customerId,
      credit_status: after.creditStatus,
      credit_status_before: before.creditStatus,
      cause,
    },
  })
}
