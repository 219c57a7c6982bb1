import { sql } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { type TestTenant, testPlatform, testTenant } from '../../test/support.js'
import type { Ctx } from './context.js'
import { refreshPlannerStatistics, statisticsRefresher } from './statistics.js'

// A bulk run refreshes the planner's statistics of the tables it grows, as the application
// role inside its tenant transaction (migration 0021 lets that role ANALYZE).

let tenant: TestTenant

beforeAll(async () => {
  tenant = await testTenant(await testPlatform())
}, 60_000)

/** pg_class.reltuples: −1 until the table is analyzed, its row count after. */
async function rowsPlannerKnows(ctx: Ctx, table: string): Promise<number> {
  const { rows } = await sql<{ reltuples: number }>`
    select reltuples from pg_class where oid = ${`public.${table}`}::regclass`.execute(ctx.db)
  return Number(rows[0]?.reltuples)
}

describe('planner statistics', () => {
  test('the application role refreshes them once a run reaches 1,000 rows, not before', async () => {
    await tenant.run(async (ctx) => {
      expect(await rowsPlannerKnows(ctx, 'billing_run_invoice')).toBe(-1)
      const statistics = statisticsRefresher(['billing_run_invoice'])
      await statistics.afterRows(ctx, 999)
      expect(await rowsPlannerKnows(ctx, 'billing_run_invoice')).toBe(-1)
      await statistics.afterRows(ctx, 1_000)
      expect(await rowsPlannerKnows(ctx, 'billing_run_invoice')).toBe(0)
    })
  })

  test('a table that does not exist is named, and nothing is analyzed', async () => {
    await expect(
      tenant.run((ctx) => refreshPlannerStatistics(ctx, ['credit_review', 'no_such_table'])),
    ).rejects.toThrow(/no table no_such_table/)
    expect(await tenant.run((ctx) => rowsPlannerKnows(ctx, 'credit_review'))).toBe(-1)
  })
})
