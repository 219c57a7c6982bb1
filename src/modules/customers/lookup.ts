import { sql } from 'kysely'
import type { Ctx } from '../../db/context.js'

// Customers by number, many at once, for the imports of other stages (open items) that
// name customers by number in files of hundreds of thousands of rows.

export type CustomerByNumber = {
  id: string
  number: string
  legalName: string
  country: string | null
  vatId: string | null
  cocNumber: string | null
  currency: string
}

/**
 * The customers with these numbers, by number; numbers no customer has are left out. One
 * query with a lookup per number on the unique key (see storedCustomers in
 * import-customers.ts for why not a join of whole tables).
 */
export async function customersByNumber(
  ctx: Ctx,
  numbers: readonly string[],
): Promise<Map<string, CustomerByNumber>> {
  if (numbers.length === 0) return new Map()
  const result = await sql<CustomerByNumber>`
    select c.id, c.number, c.legal_name, c.country, c.vat_id, c.coc_number, c.currency
    from unnest(${[...new Set(numbers)]}::text[]) as wanted(number)
    join lateral (
      select * from customer where tenant_id = ${ctx.tenantId} and number = wanted.number
    ) c on true`.execute(ctx.db)
  return new Map(result.rows.map((row) => [row.number, row]))
}
