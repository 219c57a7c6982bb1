import { sql, type Transaction } from 'kysely'
import type { Database } from './schema.js'
import type { Store } from './store.js'

// Every query of a tenant's data runs inside inTenant(): one transaction, with the tenant in
// the transaction setting app.tenant_id and the role switched to o2c_app, so row-level
// security admits only that tenant's rows. A query outside a tenant context sees nothing.
//
// The narrow exceptions run on store.db as the schema owner, outside any tenant: work that
// must find the tenant first or spans tenants — resolving an API key or a tenant slug,
// listing and counting tenants (operator commands, first start), the worker claiming and
// settling due jobs, the worker's schedule tick (enqueuing due schedules, finding the tenants
// that lack a default schedule, which are then given it inside the tenant), the /ready probe,
// migrations. Public routes (pay page, a
// provider's webhook) take the tenant from a signed token or the webhook's URL (a slug is
// resolved as above) and read everything else inside that tenant. asSystem() gives such work a transaction
// (tests use it to play someone with database access). See docs/decisions/0001.

export type Actor =
  | { type: 'user'; id: string; name: string }
  | { type: 'system'; id: null; name: string }

export type Ctx = {
  readonly db: Transaction<Database>
  readonly tenantId: string
  readonly timeZone: string
  readonly actor: Actor
  /** The instant this unit of work happens at; one value for the whole transaction. */
  readonly now: Date
  readonly requestId?: string
  /**
   * Runs `task` in this transaction after the work is done, just before commit. The audit
   * trail and the outbox write their rows this way: in one statement each, and holding the
   * tenant's audit-chain lock only for the last moment of the transaction.
   */
  beforeCommit(task: () => Promise<void>): void
}

export type TenantScope = {
  tenantId: string
  timeZone: string
  actor: Actor
  requestId?: string
}

/** The clock o2c reads; tests and scenarios set it by hand. */
export type Clock = { now(): Date }

export const systemClock: Clock = { now: () => new Date() }

export async function inTenant<T>(
  store: Store,
  scope: TenantScope,
  work: (ctx: Ctx) => Promise<T>,
  clock: Clock = systemClock,
): Promise<T> {
  return store.db.transaction().execute(async (trx) => {
    await sql`select set_config('app.tenant_id', ${scope.tenantId}, true),
      set_config('role', 'o2c_app', true)`.execute(trx)
    const tasks: Array<() => Promise<void>> = []
    const result = await work({
      ...scope,
      db: trx,
      now: clock.now(),
      beforeCommit: (task) => tasks.push(task),
    })
    // A task may add tasks (an outbox flush never does, but nothing forbids it).
    for (let task = tasks.shift(); task; task = tasks.shift()) await task()
    return result
  })
}

export async function asSystem<T>(
  store: Store,
  work: (db: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return store.db.transaction().execute(work)
}
