import { sql, type Transaction } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { inTenant } from '../../src/db/context.js'
import type { Database } from '../../src/db/schema.js'
import type { Platform } from '../../src/platform.js'
import { type TestTenant, testPlatform, testTenant } from '../support.js'

// Guards of invariant 6, "tenants never see each other", read from the database's own
// catalogue so that a table added by any module is checked the day it is added:
// - every table carries tenant_id, its keys lead with it, row-level security is on with the
//   tenant_isolation policy (o2c_protect() in the migration does all of that);
// - the role the application's queries run as, o2c_app, sees nothing without a tenant
//   context and only that tenant's rows with one, and cannot write into another tenant.

let platform: Platform
let acme: TestTenant
let globex: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  acme = await testTenant(platform, 'rls-acme')
  globex = await testTenant(platform, 'rls-globex')
  // Rows in every platform table for both tenants: users, keys, audit events.
  for (const tenant of [acme, globex]) {
    await tenant.key('admin')
    await tenant.key('collector')
  }
})

type TableFacts = {
  table: string
  kind: string
  rowSecurity: boolean
  tenantColumn: boolean
  tenantColumnNotNull: boolean
  primaryKeyFirst: string | null
  policies: string[]
  policyQual: string | null
  policyCheck: string | null
  policyCommand: string | null
  appMaySelect: boolean
  securityInvoker: boolean
}

async function publicRelations(): Promise<TableFacts[]> {
  const { rows } = await sql<TableFacts>`
    select c.relname as table,
      c.relkind as kind,
      c.relrowsecurity as row_security,
      a.attname is not null as tenant_column,
      coalesce(a.attnotnull, false) as tenant_column_not_null,
      (select pa.attname from pg_constraint k
        join pg_attribute pa on pa.attrelid = k.conrelid and pa.attnum = k.conkey[1]
        where k.conrelid = c.oid and k.contype = 'p') as primary_key_first,
      coalesce((select array_agg(p.polname::text order by p.polname) from pg_policy p
        where p.polrelid = c.oid), '{}') as policies,
      (select pg_get_expr(p.polqual, p.polrelid) from pg_policy p
        where p.polrelid = c.oid and p.polname = 'tenant_isolation') as policy_qual,
      (select pg_get_expr(p.polwithcheck, p.polrelid) from pg_policy p
        where p.polrelid = c.oid and p.polname = 'tenant_isolation') as policy_check,
      (select p.polcmd::text from pg_policy p
        where p.polrelid = c.oid and p.polname = 'tenant_isolation') as policy_command,
      has_table_privilege('o2c_app', c.oid, 'select') as app_may_select,
      coalesce('security_invoker=true' = any(c.reloptions), false) as security_invoker
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attribute a
      on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
    where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
      and c.relname <> 'schema_migration'
    order by c.relname`.execute(platform.store.db)
  return rows
}

async function tenantTables(): Promise<string[]> {
  return (await publicRelations())
    .filter((r) => r.kind === 'r' || r.kind === 'p')
    .map((r) => r.table)
}

describe('every table is a tenant table', () => {
  test('each table has a non-null tenant_id and a primary key that leads with it', async () => {
    const tables = (await publicRelations()).filter((r) => r.kind === 'r' || r.kind === 'p')
    expect(tables.length).toBeGreaterThan(5)
    const wrong = tables.flatMap((t) => {
      if (!t.tenantColumn) return [`${t.table}: no tenant_id column`]
      if (!t.tenantColumnNotNull) return [`${t.table}: tenant_id may be null`]
      if (t.primaryKeyFirst !== 'tenant_id') {
        return [`${t.table}: primary key leads with ${t.primaryKeyFirst ?? '(no primary key)'}`]
      }
      return []
    })
    expect(wrong, 'tables that break "every key leads with tenant_id"').toEqual([])
  })

  test('each table has row-level security with the tenant_isolation policy', async () => {
    const tables = (await publicRelations()).filter((r) => r.kind === 'r' || r.kind === 'p')
    const wrong = tables.flatMap((t) => {
      const problems: string[] = []
      if (!t.rowSecurity) problems.push(`${t.table}: row-level security is off`)
      if (!t.policies.includes('tenant_isolation')) {
        problems.push(`${t.table}: no tenant_isolation policy (select o2c_protect('${t.table}'))`)
      } else {
        if (t.policyCommand !== '*') problems.push(`${t.table}: policy covers one command only`)
        if (!t.policyQual?.includes('o2c_current_tenant()')) {
          problems.push(`${t.table}: policy does not compare with o2c_current_tenant()`)
        }
        if (!t.policyCheck?.includes('o2c_current_tenant()')) {
          problems.push(`${t.table}: policy does not check written rows`)
        }
      }
      if (!t.appMaySelect) problems.push(`${t.table}: o2c_app has no grant`)
      return problems
    })
    expect(wrong, 'pass each table through o2c_protect() in its migration').toEqual([])
  })

  test('each foreign key leads with tenant_id, so a row can only point into its own tenant', async () => {
    const { rows } = await sql<{ table: string; constraint: string; first: string }>`
      select c.relname as table, k.conname as constraint, a.attname as first
      from pg_constraint k
      join pg_class c on c.oid = k.conrelid
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
      where n.nspname = 'public' and k.contype = 'f'`.execute(platform.store.db)
    expect(rows.length).toBeGreaterThan(0)
    const wrong = rows
      .filter((r) => r.first !== 'tenant_id')
      .map((r) => `${r.table}.${r.constraint}`)
    expect(wrong).toEqual([])
  })

  test('views run with the rights of the caller, and there are no materialized views', async () => {
    // A view runs as its owner by default, which bypasses row-level security: it would show
    // every tenant's rows. A materialized view cannot have row-level security at all.
    const views = (await publicRelations()).filter((r) => r.kind === 'v' || r.kind === 'm')
    const wrong = views
      .filter((v) => v.kind === 'm' || !v.securityInvoker)
      .map((v) =>
        v.kind === 'm'
          ? `${v.table}: materialized view`
          : `${v.table}: create it with (security_invoker = true)`,
      )
    expect(wrong).toEqual([])
  })
})

/** One transaction as o2c_app, with the tenant context given (or none). */
function asApp<T>(
  tenantId: string | null,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return platform.store.db.transaction().execute(async (trx) => {
    if (tenantId) await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(trx)
    await sql`select set_config('role', 'o2c_app', true)`.execute(trx)
    return work(trx)
  })
}

async function rowsByTenant(
  db: Transaction<Database> | Platform['store']['db'],
  table: string,
): Promise<Map<string, number>> {
  const { rows } = await sql<{ tenantId: string; count: string }>`
    select tenant_id, count(*)::text as count from ${sql.table(table)}
    group by tenant_id`.execute(db)
  return new Map(rows.map((r) => [r.tenantId, Number(r.count)]))
}

describe('the application role o2c_app', () => {
  test('sees no row of any table without a tenant context', async () => {
    const seen: string[] = []
    for (const table of await tenantTables()) {
      const count = await asApp(null, async (trx) => rowsByTenant(trx, table))
      if (count.size > 0) seen.push(table)
    }
    expect(seen, 'tables that show rows to o2c_app without a tenant').toEqual([])
  })

  test("sees exactly its tenant's rows of every table with a tenant context", async () => {
    const wrong: string[] = []
    let tablesWithBoth = 0
    for (const table of await tenantTables()) {
      const all = await rowsByTenant(platform.store.db, table)
      if (all.has(acme.tenantId) && all.has(globex.tenantId)) tablesWithBoth++
      for (const tenant of [acme, globex]) {
        const seen = await asApp(tenant.tenantId, (trx) => rowsByTenant(trx, table))
        const expected = all.get(tenant.tenantId) ?? 0
        const own = seen.get(tenant.tenantId) ?? 0
        if (own !== expected) wrong.push(`${table}: ${tenant.slug} sees ${own} of ${expected}`)
        for (const [other, count] of seen) {
          if (other !== tenant.tenantId)
            wrong.push(`${table}: ${tenant.slug} sees ${count} foreign`)
        }
      }
    }
    expect(wrong).toEqual([])
    // The check means something only if both tenants have rows in the platform's tables.
    expect(tablesWithBoth).toBeGreaterThanOrEqual(5)
  })

  test("cannot write into another tenant's rows through inTenant()", async () => {
    const scope = {
      tenantId: acme.tenantId,
      timeZone: acme.timeZone,
      actor: { type: 'system' as const, id: null, name: 'test' },
    }
    // Inserting a row that names another tenant is refused by the policy's WITH CHECK.
    await expect(
      inTenant(platform.store, scope, (ctx) =>
        ctx.db
          .insertInto('appUser')
          .values({
            tenantId: globex.tenantId,
            id: crypto.randomUUID(),
            email: 'x@y.z',
            role: 'admin',
          })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/)
    // Updating or deleting another tenant's rows touches nothing: they are not there.
    const touched = await inTenant(platform.store, scope, async (ctx) => {
      const updated = await ctx.db
        .updateTable('appUser')
        .set({ name: 'taken over' })
        .where('tenantId', '=', globex.tenantId)
        .executeTakeFirst()
      const deleted = await ctx.db
        .deleteFrom('apiKey')
        .where('tenantId', '=', globex.tenantId)
        .executeTakeFirst()
      return Number(updated.numUpdatedRows) + Number(deleted.numDeletedRows)
    })
    expect(touched).toBe(0)
    const names = await globex.run((ctx) => ctx.db.selectFrom('appUser').select('name').execute())
    expect(names.map((n) => n.name)).not.toContain('taken over')
  })

  test('a tenant context ends with its transaction and never leaks to the next one', async () => {
    const scope = {
      tenantId: acme.tenantId,
      timeZone: acme.timeZone,
      actor: { type: 'system' as const, id: null, name: 'test' },
    }
    const inside = await inTenant(platform.store, scope, (ctx) => sessionState(ctx.db))
    expect(inside).toEqual({ tenant: acme.tenantId, role: 'o2c_app' })
    // The next unit of work on the pooled connection (PGlite has only the one) starts clean.
    const session = await platform.store.db.connection().execute((db) => sessionState(db))
    expect(session.tenant).toBe('')
    expect(session.role).not.toBe('o2c_app')
  })
})

async function sessionState(db: Platform['store']['db']) {
  const { rows } = await sql<{ tenant: string | null; role: string }>`
    select coalesce(current_setting('app.tenant_id', true), '') as tenant,
      current_user::text as role`.execute(db)
  return rows[0]
}
