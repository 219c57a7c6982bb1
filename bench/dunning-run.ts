import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import { type Ctx, inTenant, type TenantScope } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { refreshPlannerStatistics } from '../src/db/statistics.js'
import { openStore, type Store } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { runDunning } from '../src/modules/collections/dunning/run.js'
import { seedOpenItems } from '../src/modules/collections/dunning/test-helpers.js'
import type { Platform } from '../src/platform.js'
import type { Benchmark, BenchStore, Figure } from './harness.js'

// `npm run bench -- dunning`: the dunning run over 1,000,000 open items of 100,000 customers
// on PostgreSQL (100,000 items of 10,000 customers on PGlite; BENCH_DUNNING_CUSTOMERS and
// BENCH_DUNNING_ITEMS_PER_CUSTOMER change it). Due dates spread over the 120 days before the
// run date (a few not yet due), one item in ten paid and one in ten half paid, the default
// policies: the first run dunns almost every item (each gets its first due step), the
// heaviest day a run can have. Then the same day again, which must make nothing.

const itemsPerCustomer = Number(process.env.BENCH_DUNNING_ITEMS_PER_CUSTOMER ?? 10)
const runDate = '2026-06-15'

export const dunningRun: Benchmark = {
  name: 'dunning-run',
  async run(bench: BenchStore): Promise<Figure[]> {
    const store = await openStore({ ...bench.options, poolSize: 4 })
    try {
      await migrate(store)
      const customers = Number(
        process.env.BENCH_DUNNING_CUSTOMERS ?? (bench.kind === 'postgres' ? 100_000 : 10_000),
      )
      return await measure(store, customers)
    } finally {
      await store.close()
    }
  },
}

async function measure(store: Store, customers: number): Promise<Figure[]> {
  const tenant = await createTenant(store, { slug: 'dunning' }, 'bench')
  const scope: TenantScope = {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system', id: null, name: 'bench' },
  }
  const clock = { now: () => new Date(`${runDate}T05:00:00Z`) }
  const platform = { store, clock, log: console } as unknown as Platform
  const run = <T>(work: (ctx: Ctx) => Promise<T>) => inTenant(store, scope, work, clock)

  const seeding = performance.now()
  await run((ctx) =>
    seedOpenItems(ctx, {
      prefix: 'B',
      customers,
      itemsPerCustomer,
      runDate,
      overdueDaysMin: -5,
      overdueDaysMax: 115,
      paidOneIn: 10,
    }),
  )
  await run((ctx) =>
    refreshPlannerStatistics(ctx, [
      'customer',
      'customer_contact',
      'invoice',
      'invoice_settlement',
    ]),
  )
  const seedSeconds = (performance.now() - seeding) / 1000
  process.stderr.write(`  seeded in ${seedSeconds.toFixed(1)} s\n`)

  const started = performance.now()
  const first = await runDunning(platform, {
    tenant: scope,
    runDate,
    onBatch: (report) =>
      process.stderr.write(
        `  batch ${report.batches}: ${report.items} items, ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      ),
  })
  const firstSeconds = (performance.now() - started) / 1000
  const again = performance.now()
  const second = await runDunning(platform, { tenant: scope, runDate })
  const rerunMs = performance.now() - again

  const counts = await run(async (ctx) => {
    const one = async (table: string) =>
      Number(
        (await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(ctx.db))
          .rows[0].n,
      )
    return {
      messages: await one('dunning_message'),
      steps: await one('dunning_item_step'),
      jobs: await one('job'),
    }
  })
  if (second.id !== first.id) throw new Error('the re-run made a second run')
  const messages = Object.values(first.report.messages).reduce((s, n) => s + (n ?? 0), 0)
  if (counts.messages !== messages) {
    throw new Error(`the re-run changed the messages: ${counts.messages} ≠ ${messages}`)
  }
  // The next day: every open item is looked at again, few have a step due.
  const nextDay = performance.now()
  const next = await runDunning(platform, { tenant: scope, runDate: '2026-06-16' })
  const nextDaySeconds = (performance.now() - nextDay) / 1000
  return [
    {
      measure: `open items seeded (${customers} customers)`,
      value: customers * itemsPerCustomer,
      unit: 'items',
    },
    { measure: 'seeding (not timed below)', value: seedSeconds, unit: 's' },
    { measure: 'dunning run: items dunned', value: first.report.items, unit: 'items' },
    {
      measure: 'dunning run: messages made (one per customer and step)',
      value: messages,
      unit: 'messages',
    },
    { measure: 'dunning run: send jobs queued', value: counts.jobs, unit: 'jobs' },
    {
      measure: 'dunning run: items held (promise, dispute, mandate …)',
      value: Object.values(first.report.held).reduce((s, n) => s + n, 0),
      unit: 'items',
    },
    { measure: 'dunning run', value: firstSeconds, unit: 's' },
    {
      measure: 'dunning run, items per second',
      value: Math.round(first.report.items / firstSeconds),
      unit: 'items/s',
    },
    { measure: 're-run of the same day (makes nothing)', value: rerunMs, unit: 'ms' },
    { measure: "next day's run: items dunned", value: next.report.items, unit: 'items' },
    { measure: "next day's run", value: nextDaySeconds, unit: 's' },
  ]
}
