import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import { type Ctx, inTenant, type TenantScope } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore, type Store } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { collectorWorklist } from '../src/modules/collections/worklist/worklist.js'
import type { Benchmark, BenchStore, Figure } from './harness.js'

// `npm run bench -- collections-worklist`: the collector's worklist over a tenant with
// BENCH_WORKLIST_CUSTOMERS (default 10,000) customers, each with 3 issued invoices (opening
// balances, written set-based: the benchmark measures the read, not the set-up), two of them
// overdue; half partly paid, one in ten with an open dispute, one in ten with an active
// promise, one in five with a risk class, one in three with payment behaviour, one in twenty
// with a broken promise. Measured: the first page of 50 (the one statement ranks every
// customer), a page deep in, one customer's row, and a risk-class filter.

const customerCount = Number(process.env.BENCH_WORKLIST_CUSTOMERS ?? 10_000)

export const collectionsWorklist: Benchmark = {
  name: 'collections-worklist',
  async run(bench: BenchStore): Promise<Figure[]> {
    const store = await openStore(bench.options)
    try {
      await migrate(store)
      return await measure(store)
    } finally {
      await store.close()
    }
  },
}

export async function arrange(ctx: Ctx, n: number): Promise<void> {
  const t = ctx.tenantId
  await sql`insert into customer (tenant_id, id, number, legal_name, created_at, updated_at)
    select ${t}, md5('c' || i)::uuid, 'C' || i, 'Customer ' || i || ' B.V.', now(), now()
    from generate_series(1, ${n}) i`.execute(ctx.db)
  // Three invoices per customer: due 60 and 20 days before 2026-06-01, and 10 days after.
  await sql`insert into invoice (tenant_id, id, document_type, status, origin, customer_id,
      currency, number, issue_date, due_date, payment_reference, seller, buyer, language,
      payment_terms, line_net_minor, tax_exclusive_minor, total_minor, payable_minor,
      created_at, created_by, issued_at, issued_by, updated_at)
    select ${t}, md5('i' || i || '-' || k)::uuid, 'invoice', 'issued', 'opening_balance',
      md5('c' || i)::uuid, 'EUR', 'OB-' || i || '-' || k,
      date '2026-06-01' - (k * 30 + 10) - 30, date '2026-06-01' - (k * 30 + 10) + 20 * (k = 0)::int * 2,
      'RF' || i || k, '{"name":"Bench B.V."}', '{"name":"Customer"}', 'nl', '{"net_days":30}',
      amount, amount, amount, amount, now(), 'bench', now(), 'bench', now()
    from generate_series(1, ${n}) i, generate_series(0, 2) k,
      lateral (select (10000 + (i * 7919 + k * 104729) % 500000)::bigint as amount) a`.execute(
    ctx.db,
  )
  await sql`insert into invoice_settlement (tenant_id, id, invoice_id, kind, amount_minor,
      currency, settled_on, source_type, source_id, created_at, created_by)
    select ${t}, md5('s' || i)::uuid, md5('i' || i || '-1')::uuid, 'payment', 5000, 'EUR',
      date '2026-05-01', 'payment', md5('p' || i)::uuid, now(), 'bench'
    from generate_series(1, ${n}, 2) i`.execute(ctx.db)
  await sql`insert into dispute (tenant_id, id, number, invoice_id, customer_id, category,
      disputed_minor, currency, description, owner, sla_due_on, opened_via, opened_at, opened_by)
    select ${t}, md5('d' || i)::uuid, 'D-2026-' || lpad(i::text, 6, '0'),
      md5('i' || i || '-2')::uuid, md5('c' || i)::uuid, 'price', 1000, 'EUR', 'bench', null,
      date '2026-06-10', 'api', now(), 'bench'
    from generate_series(1, ${n}, 10) i`.execute(ctx.db)
  await sql`insert into promise_to_pay (tenant_id, id, customer_id, amount_minor, currency,
      promised_on, channel, made_at, made_by)
    select ${t}, md5('pr' || i)::uuid, md5('c' || i)::uuid, 2000, 'EUR', date '2026-06-05',
      'phone', now(), 'bench'
    from generate_series(3, ${n}, 10) i`.execute(ctx.db)
  await sql`insert into promise_to_pay_item (tenant_id, promise_id, invoice_id, amount_minor)
    select ${t}, md5('pr' || i)::uuid, md5('i' || i || '-1')::uuid, 2000
    from generate_series(3, ${n}, 10) i`.execute(ctx.db)
  await sql`insert into credit_profile (tenant_id, customer_id, currency, risk_class,
      created_at, updated_at)
    select ${t}, md5('c' || i)::uuid, 'EUR', (array['A','B','C','D','E'])[1 + (i / 5) % 5], now(), now()
    from generate_series(1, ${n}, 5) i`.execute(ctx.db)
  await sql`insert into payment_behaviour (tenant_id, id, customer_id, as_of,
      invoices_paid_count, invoices_paid_late_count, average_days_late, open_overdue_minor,
      currency, disputes_count, broken_promises_count, recorded_at)
    select ${t}, md5('b' || i)::uuid, md5('c' || i)::uuid, date '2026-05-01', 10 + i % 7,
      i % 7, (i % 40), 0, 'EUR', 0, 0, now()
    from generate_series(1, ${n}, 3) i`.execute(ctx.db)
  await sql`insert into customer_collection (tenant_id, customer_id, broken_promises,
      last_broken_promise_on, updated_at)
    select ${t}, md5('c' || i)::uuid, 1 + i % 3, date '2026-05-15', now()
    from generate_series(7, ${n}, 20) i`.execute(ctx.db)
}

async function measure(store: Store): Promise<Figure[]> {
  const tenant = await createTenant(store, { slug: 'collections-worklist' }, 'bench')
  const scope: TenantScope = {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system', id: null, name: 'bench' },
  }
  const run = <T>(work: (ctx: Ctx) => Promise<T>) => inTenant(store, scope, work)
  const started = performance.now()
  await run((ctx) => arrange(ctx, customerCount))
  const setupSeconds = (performance.now() - started) / 1000
  const asOf = '2026-06-01'

  const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const at = performance.now()
    const result = await work()
    return [result, performance.now() - at]
  }
  // Once to warm the plan cache, as a collector's second page would find it.
  await run((ctx) => collectorWorklist(ctx, { asOf, limit: 50 }))
  const [first, firstMs] = await time(() =>
    run((ctx) => collectorWorklist(ctx, { asOf, limit: 50 })),
  )
  const deepCursor = Buffer.from('rank:5000').toString('base64url')
  const [, deepMs] = await time(() =>
    run((ctx) => collectorWorklist(ctx, { asOf, limit: 50, cursor: deepCursor })),
  )
  const [, customerMs] = await time(() =>
    run((ctx) => collectorWorklist(ctx, { asOf, customerId: first.data[0].customerId })),
  )
  const [risky, riskMs] = await time(() =>
    run((ctx) => collectorWorklist(ctx, { asOf, riskClass: 'E', limit: 50 })),
  )
  const ranked = await run(async (ctx) => {
    const row = await sql<{ n: number }>`select count(distinct customer_id)::int as n
      from invoice where tenant_id = ${ctx.tenantId} and due_date < ${asOf}::date`.execute(ctx.db)
    return Number(row.rows[0].n)
  })
  return [
    { measure: 'customers with overdue items ranked', value: ranked, unit: 'customers' },
    { measure: 'set-up (set-based SQL)', value: setupSeconds, unit: 's' },
    { measure: 'first page of 50 (ranks every customer)', value: firstMs, unit: 'ms' },
    { measure: 'a page of 50 at rank 5,000', value: deepMs, unit: 'ms' },
    { measure: "one customer's row", value: customerMs, unit: 'ms' },
    { measure: `risk class E, first page (${risky.data.length} rows)`, value: riskMs, unit: 'ms' },
  ]
}
