import type { Ctx } from '../../../db/context.js'

/** The tenant's limits for promises and plans (collection_settings, or its defaults). */
export type PromiseAndPlanSettings = {
  promiseMaxDays: number
  promiseGraceDays: number
  planMaxInstalments: number
  planMinInstalmentMinor: bigint
  planGraceDays: number
}

// The column defaults of collection_settings (0022_collections.sql), for a tenant that never
// saved its own.
const defaults: PromiseAndPlanSettings = {
  promiseMaxDays: 14,
  promiseGraceDays: 2,
  planMaxInstalments: 6,
  planMinInstalmentMinor: 2500n,
  planGraceDays: 7,
}

export async function promiseAndPlanSettings(ctx: Ctx): Promise<PromiseAndPlanSettings> {
  const row = await ctx.db
    .selectFrom('collectionSettings')
    .select([
      'promiseMaxDays',
      'promiseGraceDays',
      'planMaxInstalments',
      'planMinInstalmentMinor',
      'planGraceDays',
    ])
    .where('tenantId', '=', ctx.tenantId)
    .executeTakeFirst()
  if (!row) return defaults
  return { ...row, planMinInstalmentMinor: BigInt(row.planMinInstalmentMinor) }
}
