import { domainError, invalid } from '../../core/errors.js'
import { isCurrency } from '../../core/money.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'

// The tenant's credit policy. A tenant that never saved one works with the defaults below:
// every limit increase needs a second person (threshold 0), items may be 30 days overdue
// before orders are held, and a review proposes the next one a year later.

export type CreditPolicy = {
  fourEyesThresholdMinor: bigint
  currency: string
  overdueDaysMax: number
  reviewIntervalDays: number
  /** 0 while the tenant works with the defaults (send If-Match: "0" to save the first one). */
  version: number
}

export const policyDefaults = {
  fourEyesThresholdMinor: 0n,
  overdueDaysMax: 30,
  reviewIntervalDays: 365,
} as const

export async function getCreditPolicy(ctx: Ctx): Promise<CreditPolicy> {
  const row = await ctx.db.selectFrom('creditPolicy').selectAll().executeTakeFirst()
  if (row) {
    return {
      fourEyesThresholdMinor: row.fourEyesThresholdMinor,
      currency: row.currency,
      overdueDaysMax: row.overdueDaysMax,
      reviewIntervalDays: row.reviewIntervalDays,
      version: row.version,
    }
  }
  const tenant = await ctx.db.selectFrom('tenant').select('baseCurrency').executeTakeFirstOrThrow()
  return { ...policyDefaults, currency: tenant.baseCurrency, version: 0 }
}

export type CreditPolicyInput = Omit<CreditPolicy, 'version'>

/** Saves the tenant's credit policy; `expectedVersion` is the version last read (If-Match). */
export async function putCreditPolicy(
  ctx: Ctx,
  expectedVersion: number,
  input: CreditPolicyInput,
): Promise<CreditPolicy> {
  if (!isCurrency(input.currency)) {
    throw invalid([{ field: 'currency', message: `${input.currency} is not an ISO 4217 currency` }])
  }
  const before = await ctx.db.selectFrom('creditPolicy').selectAll().forUpdate().executeTakeFirst()
  const current = before?.version ?? 0
  if (current !== expectedVersion) {
    throw domainError(
      'request.stale_etag',
      `The credit policy was changed by someone else (now version ${current}); reload it`,
      { entity: 'credit_policy', currentVersion: current },
    )
  }
  const values = { ...input, updatedAt: ctx.now }
  if (before) {
    await ctx.db
      .updateTable('creditPolicy')
      .set({ ...values, version: current + 1 })
      .where('version', '=', current)
      .execute()
  } else {
    await ctx.db
      .insertInto('creditPolicy')
      .values({ tenantId: ctx.tenantId, ...values })
      .execute()
  }
  const after = await getCreditPolicy(ctx)
  await recordAudit(ctx, {
    entityType: 'credit_policy',
    entityId: ctx.tenantId,
    action: before ? 'updated' : 'created',
    before: before ?? null,
    after,
  })
  return after
}
