import { sql } from 'kysely'
import { type Ctx, inTenant } from '../src/db/context.js'
import { migrate } from '../src/db/migrate.js'
import { openStore } from '../src/db/store.js'
import { createTenant } from '../src/modules/auth/index.js'
import { reviewAfterPayments, reviewPromisesAndPlans } from '../src/modules/collections/index.js'
import { importOpenItems } from '../src/modules/invoicing/index.js'
import '../src/modules.js'
import type { Benchmark, Figure } from './harness.js'

// The review of promises and plans (collections/promises/review.ts) that the dunning run calls
// first each day: BENCH_PROMISES active promises and as many active plans (3 instalments), a
// third of each paid (kept, completed), a third expired unpaid (broken, breached), a third
// still running. And the narrow review cash application runs after applying payments, for
// 10,000 invoices. Open items come in through the open-items import; promises, plans and
// payments are written with SQL (their services are measured by the tests, not here).

const promises = Number(process.env.BENCH_PROMISES ?? 20_000)
const afterPaymentsInvoices = 10_000

export const collectionsReview: Benchmark = {
  name: 'collections review',
  async run(store) {
    const db = await openStore(store.options)
    try {
      await migrate(db)
      const tenant = await createTenant(db, { slug: 'bench', name: 'Benchmark B.V.' }, 'bench')
      const scope = {
        tenantId: tenant.tenantId,
        timeZone: tenant.timeZone,
        actor: { type: 'system' as const, id: null, name: 'bench' },
      }
      const items = promises * 2
      await inTenant(db, scope, async (ctx) => {
        await sql`insert into customer (tenant_id, id, number, legal_name, segment, language,
            preferred_channel, currency, payment_terms_days, updated_at)
          select ${ctx.tenantId}::uuid, gen_random_uuid(), 'B-' || n, 'Customer ' || n,
            'small_business', 'nl', 'email', 'EUR', 30, now()
          from generate_series(1, ${items}::int) as n`.execute(ctx.db)
        const rows = [
          'invoice_number,customer_number,issue_date,due_date,currency,amount,open_amount,payment_reference',
        ]
        for (let i = 1; i <= items; i++) {
          rows.push(`OLD-${i},B-${i},2026-01-01,2026-01-31,EUR,300.00,300.00,`)
        }
        await importOpenItems(ctx, () => [rows.join('\n')])
        await seed(ctx.db, ctx.tenantId, promises)
      })
      const started = process.hrtime.bigint()
      const review = await inTenant(db, scope, (ctx) => reviewPromisesAndPlans(ctx, '2026-03-20'))
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const expected = Math.floor(promises / 3)
      if (review.promisesKept < expected || review.promisesBroken < expected) {
        throw new Error(`unexpected review ${JSON.stringify(review)}`)
      }
      const invoiceIds = await inTenant(db, scope, async (ctx) =>
        (
          await ctx.db
            .selectFrom('invoice')
            .select('id')
            .where('tenantId', '=', ctx.tenantId)
            .limit(afterPaymentsInvoices)
            .execute()
        ).map((r) => r.id),
      )
      const afterStarted = process.hrtime.bigint()
      await inTenant(db, scope, (ctx) => reviewAfterPayments(ctx, invoiceIds))
      const afterSeconds = Number(process.hrtime.bigint() - afterStarted) / 1e9
      const figures: Figure[] = [
        {
          measure: `reviewPromisesAndPlans, ${promises} promises + ${promises} plans`,
          value: seconds,
          unit: 's',
        },
        {
          measure: `closed (kept ${review.promisesKept}, broken ${review.promisesBroken}, completed ${review.plansCompleted}, breached ${review.plansBreached})`,
          value:
            (review.promisesKept +
              review.promisesBroken +
              review.plansCompleted +
              review.plansBreached) /
            seconds,
          unit: 'closed/s',
        },
        {
          measure: `reviewAfterPayments for ${afterPaymentsInvoices} invoices`,
          value: afterSeconds,
          unit: 's',
        },
      ]
      return figures
    } finally {
      await db.close()
    }
  },
}

/**
 * Promises on the first half of the invoices, plans on the second; payments on a third of
 * each (all of it), made after the promise or plan.
 */
async function seed(db: Ctx['db'], tenantId: string, n: number): Promise<void> {
  await sql`
    with inv as (
      select i.id, i.customer_id, row_number() over (order by i.number) as k
      from invoice i where i.tenant_id = ${tenantId}
    ), p as (
      insert into promise_to_pay (tenant_id, id, customer_id, amount_minor, currency, promised_on,
        channel, made_at, made_by)
      select ${tenantId}::uuid, gen_random_uuid(), inv.customer_id, 30000, 'EUR',
        case when inv.k % 3 = 2 then date '2026-03-10' else date '2026-04-10' end,
        'phone', timestamptz '2026-03-01 09:00Z', 'bench'
      from inv where inv.k <= ${n}
      returning id, customer_id
    )
    insert into promise_to_pay_item (tenant_id, promise_id, invoice_id, amount_minor)
    select ${tenantId}::uuid, p.id, inv.id, 30000
    from p join inv on inv.customer_id = p.customer_id`.execute(db)
  await sql`
    with inv as (
      select i.id, i.customer_id, row_number() over (order by i.number) as k
      from invoice i where i.tenant_id = ${tenantId}
    ), pl as (
      insert into payment_plan (tenant_id, id, customer_id, currency, total_minor, grace_days,
        source, created_at, created_by)
      select ${tenantId}::uuid, gen_random_uuid(), inv.customer_id, 'EUR', 30000, 7,
        'collector', timestamptz '2026-03-01 09:00Z', 'bench'
      from inv where inv.k > ${n}
      returning id, customer_id
    ), items as (
      insert into payment_plan_item (tenant_id, plan_id, invoice_id, amount_minor)
      select ${tenantId}::uuid, pl.id, inv.id, 30000
      from pl join inv on inv.customer_id = pl.customer_id
      returning plan_id, invoice_id
    )
    insert into payment_plan_instalment (tenant_id, plan_id, position, due_on, amount_minor)
    select ${tenantId}::uuid, items.plan_id, s.position,
      case when inv.k % 3 = 2 then date '2026-03-01' + (s.position - 1) * 5
        else date '2026-04-01' + (s.position - 1) * 30 end, 10000
    from items join inv on inv.id = items.invoice_id
    cross join generate_series(1, 3) as s(position)`.execute(db)
  // Payments in full on every third invoice.
  await sql`
    insert into invoice_settlement (tenant_id, id, invoice_id, kind, amount_minor, currency,
      settled_on, source_type, source_id, created_at, created_by)
    select ${tenantId}::uuid, gen_random_uuid(), i.id, 'payment', 30000, 'EUR', date '2026-03-05',
      'bench', i.id::text, timestamptz '2026-03-05 09:00Z', 'bench'
    from (select i.id, row_number() over (order by i.number) as k from invoice i
      where i.tenant_id = ${tenantId}) i
    where i.k % 3 = 1`.execute(db)
}
