import { sql } from 'kysely'
import type { Ctx } from './context.js'

// Rows a bulk run writes have no planner statistics until ANALYZE: PGlite never gathers them
// and PostgreSQL's autovacuum may be off or behind. Until then a connection keeps the plans it
// made while the tables were small, and one of them (a foreign-key check through the wrong
// index, migration 0021) costs more with every row. A bulk run therefore refreshes the
// statistics of the tables it grows, at sizes growing fourfold, so the refreshes cost little
// next to the run.

const firstRefreshAt = 1_000
const growth = 4

/** ANALYZE of the named tables (snake_case), inside the caller's transaction. */
export async function refreshPlannerStatistics(ctx: Ctx, tables: readonly string[]) {
  await sql`select o2c_refresh_statistics(${[...tables]}::text[])`.execute(ctx.db)
}

/**
 * Tells a bulk run when to refresh: after 1,000 rows of its work, then 4,000, 16,000 …
 *
 *   const statistics = statisticsRefresher(['invoice', 'invoice_line'])
 *   await statistics.afterRows(ctx, invoicesDone)
 */
export function statisticsRefresher(tables: readonly string[]) {
  let nextAt = firstRefreshAt
  return {
    async afterRows(ctx: Ctx, rowsDone: number): Promise<void> {
      if (rowsDone < nextAt) return
      while (nextAt <= rowsDone) nextAt *= growth
      await refreshPlannerStatistics(ctx, tables)
    },
  }
}
